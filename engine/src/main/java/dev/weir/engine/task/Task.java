package dev.weir.engine.task;

import dev.weir.engine.checkpoint.CheckpointParticipant;
import dev.weir.engine.checkpoint.TaskCheckpointContext;
import dev.weir.engine.exchange.BufferPool;
import dev.weir.engine.exchange.ExchangeEvent;
import dev.weir.engine.exchange.FlushDeadline;
import dev.weir.engine.exchange.InputGate;
import dev.weir.engine.exchange.RecordWriter;
import dev.weir.engine.source.SourceReader;
import dev.weir.engine.time.ManualClock;
import dev.weir.engine.time.ScheduledActions;
import dev.weir.engine.time.Watermarks;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * One subtask of an operator chain, run by one thread in a mailbox loop: the default action is the
 * task's {@link InputProcessor} (the input gate's next buffer or event, or a batch from the source
 * reader); between those the thread runs mails, due processing-time actions and buffer-timeout
 * flushes. Everything that touches operator state happens in this thread, so nothing here locks per
 * record. The task owns its lifecycle: open the chain, run the loop, finish, wait for the job,
 * close.
 *
 * <p>Threads: other threads only post mails ({@link #triggerCheckpoint} and the other checkpoint
 * calls, {@link #failExternally}), {@link #cancel}, {@link #resumeSource} and read the volatile
 * status ({@link #isIdle}, {@link #finishedNormally}); everything else is the task's thread.
 */
public final class Task implements Runnable, CheckpointParticipant {

  private static final long MAX_IDLE_WAIT_NANOS = 50_000_000L;

  private final String name;
  private final int subtaskIndex;
  private final TaskListener listener;
  private final TaskWaker waker = new TaskWaker();
  private final Mailbox mailbox;
  private final ScheduledActions scheduler;
  private final ManualClock manualClock;
  private final IdlenessProbe idleness = new IdlenessProbe();
  private volatile boolean ended;
  private final FlushDeadline flushDeadline = new FlushDeadline();
  private final List<OperatorHost> hosts = new ArrayList<>();
  private final List<RecordWriter<Object>> writers = new ArrayList<>();
  private final BooleanSupplier cancelledCheck = this::isCancelled;

  private InputGate gate;
  private InputChannelBinding[] bindings;
  private SourceDriver source;
  private TaskOutputs outputs;
  private volatile boolean cancelled;
  private volatile Thread thread;

  private final LoopInterrupts interrupts = new LoopInterrupts();
  private volatile boolean finishedNormally;
  private TaskCheckpointing checkpointing;
  private String stateFileName;

  /**
   * Restored from a checkpoint taken after this task had finished: it does not process input again.
   */
  private boolean finishedOnRestore;

  public Task(String name, int subtaskIndex, TaskListener listener) {
    this(name, subtaskIndex, listener, null);
  }

  /** A task that reads processing time from {@code manualClock} when it is not null. */
  public Task(String name, int subtaskIndex, TaskListener listener, ManualClock manualClock) {
    this.name = name;
    this.subtaskIndex = subtaskIndex;
    this.listener = listener;
    this.mailbox = new Mailbox(waker, name);
    this.manualClock = manualClock;
    this.scheduler =
        manualClock == null ? ScheduledActions.wallClock() : ScheduledActions.jobClock(manualClock);
    if (manualClock != null) {
      manualClock.addListener(waker::signal);
    }
  }

  /**
   * Whether the task is idle right now: asleep with nothing to do (no input or mail waiting, no
   * output waiting for its buffer timeout). A task that ended counts as idle, one that has not
   * started does not. Together with {@link #idleWakeups()} this lets another thread tell that the
   * task stayed idle over an interval.
   */
  public boolean isIdle() {
    if (ended || finishedNormally) {
      return true;
    }
    Thread t = thread;
    if (t == null || t.getState() == Thread.State.NEW) {
      return false;
    }
    // A signal means a buffer, a mail or a timer is waiting even if the thread has not woken yet.
    return idleness.isAsleepIdle(waker);
  }

  /**
   * How often the task woke from an idle sleep: unchanged between two looks means it stayed asleep.
   */
  public long idleWakeups() {
    return idleness.wakeups();
  }

  private void sleepIdle(long nanos) {
    // nanos <= 0: a timer is due, so the task is not idle even for the instant it takes to look.
    idleness.sleeping(nanos > 0 && flushDeadline.get() == FlushDeadline.NONE && mailbox.isEmpty());
    waker.await(nanos);
    idleness.woke();
  }

  /** No input is waiting: operators may end what they batch (bundles) before the task sleeps. */
  private void onInputIdle() throws Exception {
    for (int i = 0; i < hosts.size(); i++) {
      hosts.get(i).onInputIdle();
    }
  }

  public String name() {
    return name;
  }

  public int subtaskIndex() {
    return subtaskIndex;
  }

  public ScheduledActions scheduler() {
    return scheduler;
  }

  public FlushDeadline flushDeadline() {
    return flushDeadline;
  }

  public BooleanSupplier cancelledCheck() {
    return cancelledCheck;
  }

  /** Wakes the task's thread; given to channels and buffer pools as their listener. */
  public TaskWaker waker() {
    return waker;
  }

  public Mailbox mailbox() {
    return mailbox;
  }

  /** Adds the next operator of the chain; the first one added is the head. */
  public void addHost(OperatorHost host) {
    hosts.add(host);
    host.setTaskYield(this::runPendingWork);
    host.setTaskWait(this::awaitProcessingTime);
  }

  /** Longest sleep of {@link #awaitProcessingTime} before it looks at mails and flushes again. */
  private static final long AWAIT_SLICE_MILLIS = 10;

  private boolean awaitProcessingTime(long timeMillis) throws Exception {
    runPendingWork();
    if (!scheduler.followsWallClock()) {
      return false;
    }
    long now;
    while ((now = scheduler.currentTimeMillis()) < timeMillis) {
      checkCancelled();
      waker.await(Math.min(timeMillis - now, AWAIT_SLICE_MILLIS) * 1_000_000L);
      runPendingWork();
    }
    checkCancelled();
    return true;
  }

  /**
   * Whether the task has read all of its input (every channel ended; a source: its reader ended).
   */
  boolean inputEnded() {
    return gate != null ? gate.isFinished() : source != null && source.ended();
  }

  public List<OperatorHost> hosts() {
    return hosts;
  }

  private void addWriter(RecordWriter<Object> writer) {
    writers.add(writer);
    writer.partition().pool().setAvailabilityListener(waker::signal);
  }

  /**
   * Adds {@code writer} and connects output {@code outputIndex} of {@code host} (a host of this
   * task) to it.
   */
  public void connectWriter(OperatorHost host, int outputIndex, RecordWriter<Object> writer) {
    addWriter(writer);
    host.addOutput(outputIndex, new WriterOutput(writer));
  }

  /**
   * Makes this an input task reading {@code gate}; {@code bindings} describe its channels in order.
   */
  public void setInput(InputGate gate, InputChannelBinding[] bindings) {
    this.gate = gate;
    this.bindings = bindings;
    if (checkpointing != null) {
      checkpointing.setGate(gate);
    }
  }

  /**
   * Lets the task take part in checkpoints; {@code stateFileName} names its state file in a
   * checkpoint folder. Call before {@link #setInput}.
   */
  public void enableCheckpoints(TaskCheckpointContext context, String stateFileName) {
    this.checkpointing = new TaskCheckpointing(this, context);
    this.stateFileName = stateFileName;
  }

  /** Marks the task as restored from a checkpoint taken after it had finished its input. */
  public void setFinishedOnRestore() {
    this.finishedOnRestore = true;
  }

  String stateFileName() {
    return stateFileName;
  }

  boolean isSourceTask() {
    return source != null;
  }

  SourceReader<Object> sourceReader() {
    return source.reader();
  }

  void flushSourceWatermark() throws Exception {
    source.flushWatermark();
  }

  List<RecordWriter<Object>> writers() {
    return writers;
  }

  // ---- checkpoints: the coordinator's calls become mails ----

  @Override
  public void triggerCheckpoint(ExchangeEvent.CheckpointBarrier barrier) {
    if (checkpointing != null) {
      mailbox.tryPut(
          () -> checkpointing.onTrigger(barrier)); // an ended task takes no part any more
    }
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) {
    if (checkpointing != null) {
      mailbox.tryPut(() -> checkpointing.onComplete(checkpointId));
    }
  }

  @Override
  public void abortCheckpoint(long checkpointId, String reason) {
    if (checkpointing != null) {
      mailbox.tryPut(() -> checkpointing.onAbort(checkpointId, reason));
    }
  }

  /** The source emits nothing after a stop-with-savepoint barrier. */
  void haltSource() {
    source.halt();
  }

  /** A stop-with-savepoint failed: the source reads on. Any thread. */
  public void resumeSource() {
    SourceDriver s = source;
    if (s != null) {
      s.resume();
    }
    waker.signal();
  }

  /**
   * Fails the task from another thread, as if its own code had thrown {@code failure}; a task that
   * ended already stays as it ended.
   *
   * @return whether the task took the failure (false: it is ending or ended)
   */
  public boolean failExternally(Throwable failure) {
    return mailbox.tryPut(
        () -> {
          if (failure instanceof Exception e) {
            throw e;
          }
          if (failure instanceof Error e) {
            throw e;
          }
          throw new IllegalStateException(failure);
        });
  }

  /** Makes this a source task; the head host stands for the source vertex. */
  @SuppressWarnings("unchecked")
  public void setSource(SourceReader<?> reader) {
    this.source = new SourceDriver((SourceReader<Object>) reader, hosts.get(0), writers);
  }

  public boolean isCancelled() {
    return cancelled;
  }

  /** Whether the task processed all its input and finished its operators. */
  public boolean finishedNormally() {
    return finishedNormally;
  }

  /**
   * Cancels the task once it ran the mails it accepted before this call (a stop-with-savepoint's
   * completion, which commits): they are queued in front. Any thread.
   */
  public void cancelAfterMails() {
    if (!mailbox.tryPut(this::cancel)) {
      cancel();
    }
  }

  /** Asks the task to stop; its thread leaves the loop, closes the operators and ends. */
  public void cancel() {
    cancelGracefully();
    interruptIfRunning();
  }

  /**
   * How long a job that stops its tasks (to fail over, or when cancelled) lets their code finish
   * what it is doing before it interrupts their threads. An interrupt in the middle of a DoFn's
   * call can leave an external client half-way (a Kafka producer inside a transaction, kept in a
   * static cache for the next attempt); the engine's own waits see the cancel at once.
   */
  public static final java.time.Duration INTERRUPT_GRACE = java.time.Duration.ofSeconds(1);

  /**
   * Asks the task to stop at its next step without interrupting its thread: the record, timer or
   * mail it is processing completes first. Follow with {@link #interruptIfRunning} after {@link
   * #INTERRUPT_GRACE} for code that blocks. Any thread.
   */
  public void cancelGracefully() {
    cancelled = true;
    waker.signal();
  }

  /** Interrupts the task's thread if it still runs its loop. Any thread. */
  public void interruptIfRunning() {
    interrupts.interrupt(thread);
  }

  /**
   * Releases what a task that never ran holds (its operators' keyed state, its source reader, its
   * buffers) after its deployment failed part-way; a task whose thread started closes all that
   * itself. Call from the deploying thread, never together with {@link #run()}.
   *
   * @throws IllegalStateException when the task's thread was started
   */
  public void discard() {
    Thread t = thread;
    if (t != null && t.getState() != Thread.State.NEW) {
      throw new IllegalStateException("task " + name + " ran; it closes what it holds itself");
    }
    cancelled = true;
    mailbox.close();
    RuntimeException failure = null;
    for (OperatorHost host : hosts) {
      try {
        host.discard();
      } catch (RuntimeException e) {
        failure = addTo(failure, e);
      }
    }
    if (source != null) {
      try {
        source.reader().close();
      } catch (Exception e) {
        failure = addTo(failure, new IllegalStateException("closing the source reader failed", e));
      }
    }
    for (RecordWriter<Object> w : writers) {
      w.release();
    }
    if (gate != null) {
      gate.release();
    }
    if (failure != null) {
      throw failure;
    }
  }

  private static RuntimeException addTo(RuntimeException first, RuntimeException next) {
    if (first == null) {
      return next;
    }
    first.addSuppressed(next);
    return first;
  }

  /** Whether the task's thread left its loop and reported its end. */
  public boolean hasEnded() {
    return ended;
  }

  public Thread thread() {
    return thread;
  }

  /**
   * Creates (without starting) the task's thread; {@code threadName} should name the job and the
   * subtask.
   */
  public Thread prepareThread(String threadName) {
    Thread t = new Thread(this, threadName);
    t.setDaemon(true);
    thread = t;
    return t;
  }

  @Override
  @SuppressWarnings("unchecked")
  public void run() {
    Throwable failure = null;
    int opened = 0;
    outputs = new TaskOutputs(writers, flushDeadline);
    if (checkpointing != null) {
      checkpointing.announceRunning();
    }
    try {
      // Open downstream operators first, so a head that emits while opening finds them ready.
      for (int i = hosts.size() - 1; i >= 0; i--) {
        opened++; // close() is owed also to an operator whose open() failed half-way
        hosts.get(i).open();
      }
      if (finishedOnRestore) {
        // Its input was consumed and its operators finished before the checkpoint: only pass the
        // end on.
        outputs.emitWatermark(Watermarks.MAX);
      } else {
        runMailboxLoop(openInput());
        if (checkpointing != null) {
          checkpointing.onInputEnded();
        }
        for (OperatorHost host : hosts) {
          host.finish();
        }
      }
      outputs.broadcastEvent(ExchangeEvent.EndOfInput.INSTANCE);
      finishedNormally = true;
      awaitJobFinished();
      // What was posted before the job let its tasks close (the final checkpoint's completion,
      // for one) still runs while the operators are open.
      mailbox.quiesce();
      mailbox.drain();
    } catch (Throwable t) {
      failure = t;
    }
    failure = closeAll(opened, failure);
    if (cancelled && !finishedNormally) {
      failure = null; // whatever a cancelled task threw while stopping is not the job's failure
    }
    interrupts.close(); // no cancel's interrupt may reach the job's completion callbacks
    ended = true;
    listener.taskEnded(this, failure == null ? null : UserCodeException.unwrap(failure));
  }

  private Throwable closeAll(int opened, Throwable failure) {
    mailbox.close(); // no mail can run once operators close
    for (int i = hosts.size() - opened; i < hosts.size(); i++) {
      try {
        hosts.get(i).close();
      } catch (Throwable t) {
        if (failure == null) {
          failure = t;
        } else if (failure != t) {
          failure.addSuppressed(t);
        }
      }
    }
    if (source != null) {
      try {
        source.reader().close();
      } catch (Throwable t) {
        if (failure == null) {
          failure = t;
        }
      }
    }
    if (failure != null || cancelled) {
      for (RecordWriter<Object> w : writers) {
        w.release();
      }
      if (gate != null) {
        gate.release();
      }
    }
    scheduler.clear();
    return failure;
  }

  /**
   * Keeps the operators open until the whole job finished (or was cancelled), running mails
   * meanwhile.
   */
  private void awaitJobFinished() throws Exception {
    listener.taskFinished(this);
    while (!listener.allTasksFinished() && !cancelled) {
      waker.clear();
      if (!mailbox.isEmpty()) {
        mailbox.runBatch();
      }
      if (listener.allTasksFinished() || cancelled) {
        break;
      }
      waker.await(MAX_IDLE_WAIT_NANOS);
    }
  }

  private void checkCancelled() {
    if (cancelled) {
      throw new TaskCancelledException();
    }
  }

  /** Mails, due processing-time actions and expired buffer timeouts. */
  private void runPendingWork() throws Exception {
    if (!mailbox.isEmpty()) {
      mailbox.runBatch();
    }
    if (!scheduler.isEmpty()) {
      scheduler.runDue();
    }
    outputs.flushIfDue();
  }

  /** How long the loop may sleep: until the next timer or flush, at most a bound. */
  private long idleWaitNanos(long cap) {
    long wait = cap;
    long deadline = flushDeadline.get();
    if (deadline != FlushDeadline.NONE) {
      wait = Math.min(wait, deadline - System.nanoTime());
    }
    long next = scheduler.nextTime();
    if (next != Long.MAX_VALUE) {
      long millis = next - scheduler.currentTimeMillis();
      if (millis <= 0) {
        return 0;
      }
      if (millis < wait / 1_000_000L) {
        wait = millis * 1_000_000L;
      }
    }
    return wait;
  }

  /** Opens the source reader, or connects the input gate to the head operator. */
  private InputProcessor openInput() throws Exception {
    if (source != null) {
      source.open(new TaskSourceContext(this, listener, flushDeadline, scheduler, manualClock));
      return source;
    }
    OperatorHost head = hosts.get(0);
    InputWatermarks watermarks =
        new InputWatermarks(bindings, head, outputs.writers(), outputs::flushNow);
    return new NetworkInputProcessor(name, gate, bindings, head, watermarks, checkpointing);
  }

  /**
   * The loop: mails, timers and flushes first, then (while every output has room) a piece of input;
   * sleeps when there is nothing to do until woken or the next timer is due.
   */
  private void runMailboxLoop(InputProcessor input) throws Exception {
    while (true) {
      waker.clear();
      checkCancelled();
      runPendingWork();
      if (!outputs.available()) {
        waker.await(idleWaitNanos(MAX_IDLE_WAIT_NANOS));
        continue;
      }
      switch (input.processInput()) {
        case MORE_AVAILABLE:
          break;
        case NOTHING_AVAILABLE:
          onInputIdle();
          sleepIdle(idleWaitNanos(input.maxIdleWaitNanos()));
          break;
        case PAUSED:
          sleepIdle(idleWaitNanos(MAX_IDLE_WAIT_NANOS));
          break;
        case END_OF_INPUT:
          return;
      }
    }
  }

  /** For tests: the pools of this task's writers. */
  public List<BufferPool> outputPools() {
    List<BufferPool> pools = new ArrayList<>();
    for (RecordWriter<Object> w : writers) {
      pools.add(w.partition().pool());
    }
    return pools;
  }
}
