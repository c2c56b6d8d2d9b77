package dev.weir.engine.cluster;

import dev.weir.engine.task.Task;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches cancelled tasks: when some of a deployment's threads are still running a timeout after
 * their cancel (user code that ignores interrupts), it logs where each one is and reports them, so
 * the job can end without them: a thread cannot be stopped from outside in this JVM.
 *
 * <p>Threads: {@link #watch} from any thread; the check and the report run on the job's scheduler.
 */
final class CancellationWatchdog {

  private static final Logger LOG = LoggerFactory.getLogger(CancellationWatchdog.class);

  /** Told about tasks of {@code deployment} that did not stop. */
  interface Overdue {
    void tasksDidNotStop(
        List<Task> deployment, List<Task> stuck, TaskCancellationTimeoutException error);
  }

  private final String jobName;
  private final Duration timeout;
  private final ScheduledExecutorService scheduler;
  private final Overdue overdue;

  CancellationWatchdog(
      String jobName, Duration timeout, ScheduledExecutorService scheduler, Overdue overdue) {
    this.jobName = jobName;
    this.timeout = timeout;
    this.scheduler = scheduler;
    this.overdue = overdue;
  }

  /** Checks, a timeout from now, that every task of {@code deployment} (just cancelled) ended. */
  void watch(List<Task> deployment) {
    try {
      scheduler.schedule(() -> check(deployment), timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // the job ended meanwhile
    }
  }

  private void check(List<Task> deployment) {
    List<Task> stuck = deployment.stream().filter(t -> !t.hasEnded()).toList();
    if (stuck.isEmpty()) {
      return;
    }
    StringBuilder names = new StringBuilder();
    for (Task t : stuck) {
      names.append(names.length() == 0 ? "'" : ", '").append(t.thread().getName()).append('\'');
      LOG.error(
          "job '{}': thread '{}' did not stop when cancelled; it is at:{}",
          jobName,
          t.thread().getName(),
          TaskCancellationTimeoutException.format(t.thread().getStackTrace()));
    }
    TaskCancellationTimeoutException error =
        new TaskCancellationTimeoutException(
            "job '"
                + jobName
                + "': "
                + stuck.size()
                + " task(s) did not stop within "
                + timeout.toMillis()
                + " ms of being cancelled (--taskCancellationTimeoutMillis): thread(s) "
                + names
                + ", left running; the job ends without them. The first one's stack is this"
                + " exception's.",
            stuck.get(0).thread().getStackTrace());
    overdue.tasksDidNotStop(deployment, stuck, error);
  }
}
