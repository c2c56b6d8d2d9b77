package dev.weir.engine.task;

import dev.weir.engine.exchange.FlushDeadline;
import dev.weir.engine.source.SourceContext;
import dev.weir.engine.time.ManualClock;
import dev.weir.engine.time.ScheduledActions;

/** What a source task offers its reader: the job's quiescence and clock. */
final class TaskSourceContext implements SourceContext {

  private final Task task;
  private final TaskListener listener;
  private final FlushDeadline flushDeadline;
  private final ScheduledActions scheduler;
  private final ManualClock manualClock;

  TaskSourceContext(
      Task task,
      TaskListener listener,
      FlushDeadline flushDeadline,
      ScheduledActions scheduler,
      ManualClock manualClock) {
    this.task = task;
    this.listener = listener;
    this.flushDeadline = flushDeadline;
    this.scheduler = scheduler;
    this.manualClock = manualClock;
  }

  @Override
  public boolean isJobQuiescent() {
    // This task's own output must have left too.
    return flushDeadline.get() == FlushDeadline.NONE && listener.othersQuiescent(task);
  }

  @Override
  public long currentProcessingTime() {
    return scheduler.currentTimeMillis();
  }

  @Override
  public void setProcessingTime(long millis) {
    if (manualClock == null) {
      throw new IllegalStateException(
          "the job runs on the wall clock; only a job graph with useManualProcessingTime can set processing time");
    }
    manualClock.advanceTo(millis);
  }
}
