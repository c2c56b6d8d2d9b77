package dev.weir.engine.checkpoint;

import dev.weir.engine.exchange.ExchangeEvent.CheckpointBarrier;
import dev.weir.engine.lifecycle.Awaiting;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Triggers checkpoints of one job, collects the tasks' acknowledgements, completes checkpoints
 * (metadata written last) and tells the tasks. At most one checkpoint is in flight; a savepoint
 * asked for meanwhile starts right after it. A checkpoint that a task declines or that times out
 * fails on its own: the job goes on. Runs on one timer thread of its own; tasks call in from
 * theirs.
 *
 * <p>Threads: every field is guarded by this object's monitor. Calls to participants happen under
 * it (they only post mails and return at once, and staying under it keeps a trigger from overtaking
 * the abort of the checkpoint before it); the futures handed out are completed outside it, so
 * whatever callers chained onto them never runs under the coordinator's lock. Storage I/O
 * (metadata, deleting folders) runs on the timer thread, outside the monitor.
 */
public final class CheckpointCoordinator implements CheckpointResponder, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CheckpointCoordinator.class);

  private final String jobName;
  private final CheckpointConfig config;
  private final CheckpointStorage storage;
  private final ScheduledExecutorService timer;
  private final ArrayDeque<Request> queued = new ArrayDeque<>();
  private List<CheckpointParticipant> participants = List.of();
  private Pending pending;
  private long nextId = 1;
  private long lastEndNanos = System.nanoTime() - TimeUnit.DAYS.toNanos(1);
  private long lastTriggerNanos = lastEndNanos;
  private CompletedCheckpoint latest;
  private int completedCount;
  private int failedCount;
  private int failedInARow;

  /** Told (outside the monitor) when more checkpoints failed in a row than tolerated. */
  private Consumer<CheckpointException> onTooManyFailures = e -> {};

  private long lastDurationMillis;
  private long lastSizeBytes;
  private long maxSizeBytes;
  private long maxSyncNanos;
  private long maxAsyncNanos;
  private String lastFailure;
  private boolean closed;
  private ScheduledFuture<?> periodic;
  private volatile Thread timerThread;

  private record Request(
      boolean savepoint, boolean stop, CompletableFuture<CompletedCheckpoint> result) {}

  private final class Pending {
    final long id;
    final boolean savepoint;

    /** A savepoint whose barrier stops the sources (stop-with-savepoint). */
    boolean stop;

    final long startNanos = System.nanoTime();
    final Map<CheckpointParticipant, TaskStateHandle> acks = new IdentityHashMap<>();
    final CompletableFuture<CompletedCheckpoint> result;
    ScheduledFuture<?> timeout;

    /** Set when the checkpoint is aborted; its future fails with it outside the monitor. */
    CheckpointException failure;

    /** Set when this failure was one too many: the job fails over with it. */
    CheckpointException tooMany;

    Pending(long id, boolean savepoint, CompletableFuture<CompletedCheckpoint> result) {
      this.id = id;
      this.savepoint = savepoint;
      this.result = result;
    }
  }

  public CheckpointCoordinator(String jobName, CheckpointConfig config, CheckpointStorage storage) {
    this.jobName = jobName;
    this.config = config;
    this.storage = storage;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "weir[" + jobName + "] checkpoint coordinator");
              t.setDaemon(true);
              timerThread = t;
              return t;
            });
  }

  public CheckpointStorage storage() {
    return storage;
  }

  public CheckpointConfig config() {
    return config;
  }

  /**
   * Who fails the job over when more checkpoints than {@link CheckpointConfig#tolerableFailures()}
   * failed in a row; called on the coordinator's thread or a task's, never under its monitor.
   */
  public synchronized void onTooManyFailures(Consumer<CheckpointException> failOver) {
    this.onTooManyFailures = failOver;
  }

  /** Starts periodic checkpoints, if the configuration asks for them. */
  public synchronized void start() {
    if (config.periodic() && periodic == null && !closed) {
      long tick = Math.max(1, Math.min(config.interval().toMillis(), 100));
      periodic =
          timer.scheduleWithFixedDelay(this::periodicTick, tick, tick, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Continues numbering after a restored checkpoint, so ids stay unique within the job's folder.
   */
  public synchronized void restoredFrom(CompletedCheckpoint checkpoint) {
    if (checkpoint != null) {
      nextId = Math.max(nextId, checkpoint.id() + 1);
      if (!checkpoint.savepoint()) {
        latest = checkpoint; // after a fall-back, the newer but unusable one no longer counts
      }
    }
  }

  /**
   * The tasks of a new deployment of the job (its first, or after a restart): a checkpoint in
   * flight for the previous tasks is aborted.
   */
  public void setParticipants(List<? extends CheckpointParticipant> tasks) {
    Pending aborted = null;
    synchronized (this) {
      if (pending != null) {
        aborted = abortPending("the job is restarting", false, false);
      }
      participants = List.copyOf(tasks);
    }
    failFuture(aborted);
  }

  /**
   * Stops sending triggers (the job is restarting or ending); a checkpoint in flight is aborted.
   */
  public void suspend(String reason) {
    Pending aborted = null;
    synchronized (this) {
      participants = List.of();
      if (pending != null) {
        aborted = abortPending(reason, false, false);
      }
    }
    failFuture(aborted);
  }

  /**
   * Starts a periodic checkpoint when one is due. Never throws: an exception would cancel the
   * fixed-delay schedule, and with it every later checkpoint.
   */
  private void periodicTick() {
    try {
      tryPeriodicCheckpoint();
    } catch (RuntimeException | Error e) {
      LOG.error(
          "job '{}': starting a periodic checkpoint failed; the next tick tries again", jobName, e);
    }
  }

  private synchronized void tryPeriodicCheckpoint() {
    if (closed || pending != null || participants.isEmpty()) {
      return;
    }
    long now = System.nanoTime();
    if (now - lastEndNanos < config.minPause().toNanos()
        || now - lastTriggerNanos < config.interval().toNanos()) {
      return;
    }
    startCheckpoint(false, new CompletableFuture<>());
  }

  /**
   * Takes a checkpoint (or savepoint) now, or right after the one in flight.
   *
   * @return completes with the checkpoint once it is complete, exceptionally if it fails
   */
  public CompletableFuture<CompletedCheckpoint> trigger(boolean savepoint) {
    return trigger(savepoint, false);
  }

  /**
   * Like {@link #trigger(boolean)}; with {@code stopSources} the sources emit nothing after the
   * barrier.
   */
  public synchronized CompletableFuture<CompletedCheckpoint> trigger(
      boolean savepoint, boolean stopSources) {
    CompletableFuture<CompletedCheckpoint> result = new CompletableFuture<>();
    if (closed) {
      result.completeExceptionally(
          new IllegalStateException("job '" + jobName + "' has ended; no checkpoint can be taken"));
    } else if (pending != null || participants.isEmpty()) {
      queued.add(new Request(savepoint, stopSources, result));
    } else {
      startCheckpoint(savepoint, stopSources, result);
    }
    return result;
  }

  private void startCheckpoint(boolean savepoint, CompletableFuture<CompletedCheckpoint> result) {
    startCheckpoint(savepoint, false, result);
  }

  private void startCheckpoint(
      boolean savepoint, boolean stopSources, CompletableFuture<CompletedCheckpoint> result) {
    long id = nextId++;
    Pending p = new Pending(id, savepoint, result);
    p.stop = stopSources;
    pending = p;
    lastTriggerNanos = p.startNanos;
    p.timeout =
        timer.schedule(() -> onTimeout(p), config.timeout().toMillis(), TimeUnit.MILLISECONDS);
    CheckpointBarrier barrier =
        new CheckpointBarrier(id, System.currentTimeMillis(), savepoint, stopSources);
    LOG.debug("job '{}': triggering {} {}", jobName, savepoint ? "savepoint" : "checkpoint", id);
    try {
      for (CheckpointParticipant t : participants) {
        t.triggerCheckpoint(barrier);
      }
    } catch (RuntimeException e) {
      // Left pending, it would block every later checkpoint until its timeout.
      Pending aborted = abortPending("triggering it failed: " + e, true, true);
      timer.execute(() -> failFuture(aborted));
    }
  }

  private void onTimeout(Pending p) {
    Pending aborted = null;
    synchronized (this) {
      if (pending == p) {
        aborted =
            abortPending(
                "it did not complete within " + config.timeout().toMillis() + " ms", true, true);
      }
    }
    failFuture(aborted);
  }

  @Override
  public synchronized void acknowledge(
      long checkpointId,
      CheckpointParticipant task,
      TaskStateHandle handle,
      long syncNanos,
      long asyncNanos) {
    Pending p = pending;
    if (p == null || p.id != checkpointId || !participants.contains(task)) {
      return; // late: the checkpoint was aborted, or the task belongs to a previous deployment
    }
    p.acks.put(task, handle);
    maxSyncNanos = Math.max(maxSyncNanos, syncNanos);
    maxAsyncNanos = Math.max(maxAsyncNanos, asyncNanos);
    if (p.acks.size() == participants.size()) {
      timer.execute(() -> completeOrFail(p));
    }
  }

  /**
   * Completes {@code p}; whatever goes wrong on the way reaches the checkpoint's future (and the
   * log) instead of vanishing in the timer thread, and the next queued request still starts.
   */
  private void completeOrFail(Pending p) {
    try {
      completePending(p);
    } catch (RuntimeException | Error e) {
      LOG.error("job '{}': completing checkpoint {} failed", jobName, p.id, e);
      Pending aborted = null;
      synchronized (this) {
        if (pending == p) {
          aborted = abortPending("completing it failed: " + e, true, true);
        }
      }
      failFuture(aborted);
      p.result.completeExceptionally(e); // no-op when the abort completed it
      if (aborted == null) {
        timer.execute(this::startQueued); // it failed after completing; the abort queues its own
      }
    }
  }

  private void completePending(Pending p) {
    List<TaskStateHandle> handles;
    List<CheckpointParticipant> tasks;
    synchronized (this) {
      if (pending != p) {
        return;
      }
      handles = new ArrayList<>(p.acks.values());
      tasks = participants;
    }
    CompletedCheckpoint completed;
    try {
      completed = storage.complete(p.id, p.savepoint, handles);
    } catch (IOException | RuntimeException e) {
      Pending aborted = null;
      synchronized (this) {
        if (pending == p) {
          aborted = abortPending("its metadata could not be written: " + e, true, true);
        }
      }
      failFuture(aborted);
      return;
    }
    synchronized (this) {
      if (pending != p) {
        return; // aborted meanwhile (the job is restarting); the folder goes with it
      }
      pending = null;
      p.timeout.cancel(false);
      lastEndNanos = System.nanoTime();
      lastDurationMillis = TimeUnit.NANOSECONDS.toMillis(lastEndNanos - p.startNanos);
      lastSizeBytes = completed.sizeBytes();
      maxSizeBytes = Math.max(maxSizeBytes, lastSizeBytes);
      completedCount++;
      failedInARow = 0;
      if (!p.savepoint) {
        latest = completed;
      }
      LOG.debug(
          "job '{}': {} complete in {} ms, {} bytes",
          jobName,
          completed,
          lastDurationMillis,
          lastSizeBytes);
    }
    // A savepoint the job goes on after is not what a failover restores (that is the latest
    // checkpoint, taken before it), so nothing may be committed for it: sources would ack records
    // a restore reads again, or never again (FLINK-25191). Stop-with-savepoint does commit: the
    // job resumes from it.
    if (!p.savepoint || p.stop) {
      for (CheckpointParticipant t : tasks) {
        t.notifyCheckpointComplete(p.id);
      }
    }
    if (!p.savepoint) {
      storage.retain(config.retained());
    }
    p.result.complete(completed);
    startQueued();
  }

  @Override
  public void decline(long checkpointId, CheckpointParticipant task, Throwable cause) {
    Pending aborted = null;
    synchronized (this) {
      if (pending != null && pending.id == checkpointId && participants.contains(task)) {
        aborted = abortPending("task " + task.name() + " declined it: " + cause, true, true);
      }
    }
    failFuture(aborted);
  }

  /**
   * Gives up the pending checkpoint; the caller holds the monitor and, once it released it, fails
   * the returned checkpoint's future with {@link #failFuture}. A checkpoint that failed on its own
   * ({@code itsOwnFailure}: not because the job restarts or ends) counts towards the failures in a
   * row; savepoints do not (whoever asked for one is told it failed).
   */
  private Pending abortPending(String reason, boolean startNext, boolean itsOwnFailure) {
    Pending p = pending;
    pending = null;
    p.timeout.cancel(false);
    failedCount++;
    lastEndNanos = System.nanoTime();
    lastFailure = (p.savepoint ? "savepoint " : "checkpoint ") + p.id + " failed because " + reason;
    LOG.warn("job '{}': {}", jobName, lastFailure);
    if (itsOwnFailure && !p.savepoint && ++failedInARow > config.tolerableFailures()) {
      p.tooMany =
          new CheckpointException(
              failedInARow
                  + " checkpoints in a row failed, more than the "
                  + config.tolerableFailures()
                  + " tolerated (--tolerableCheckpointFailures); checkpoints are written to "
                  + storage.directory()
                  + ". The last: "
                  + lastFailure);
      failedInARow = 0; // the job fails over; its next deployment gets the whole tolerance again
    }
    for (CheckpointParticipant t : participants) {
      t.abortCheckpoint(p.id, reason);
    }
    long id = p.id;
    boolean savepoint = p.savepoint;
    // Marked before its discard is queued: a writer finishing after the discard then deletes what
    // it wrote itself.
    storage.markAborted(id, savepoint);
    timer.execute(() -> storage.discard(id, savepoint));
    p.failure = new CheckpointException(lastFailure);
    if (startNext) {
      timer.execute(this::startQueued);
    }
    return p;
  }

  /**
   * Completes an aborted checkpoint's future and fails the job over if it was one failure too many;
   * called without holding the monitor.
   */
  private void failFuture(Pending aborted) {
    if (aborted == null) {
      return;
    }
    if (aborted.tooMany != null) {
      Consumer<CheckpointException> failOver;
      synchronized (this) {
        failOver = onTooManyFailures;
      }
      LOG.error("job '{}' fails over: {}", jobName, aborted.tooMany.getMessage());
      failOver.accept(aborted.tooMany);
    }
    aborted.result.completeExceptionally(aborted.failure);
  }

  private synchronized void startQueued() {
    if (pending == null && !closed && !participants.isEmpty() && !queued.isEmpty()) {
      Request r = queued.poll();
      startCheckpoint(r.savepoint(), r.stop(), r.result());
    }
  }

  /** Starts queued requests once participants are set again after a restart. */
  public void resume() {
    timer.execute(this::startQueued);
  }

  /** The newest completed checkpoint (not savepoint) of this job, or {@code null}. */
  public synchronized CompletedCheckpoint latestCompleted() {
    return latest;
  }

  public synchronized CheckpointStats stats() {
    return new CheckpointStats(
        completedCount,
        failedCount,
        failedInARow,
        latest == null ? -1 : latest.id(),
        lastDurationMillis,
        lastSizeBytes,
        maxSizeBytes,
        TimeUnit.NANOSECONDS.toMillis(maxSyncNanos),
        TimeUnit.NANOSECONDS.toMillis(maxAsyncNanos),
        lastFailure);
  }

  @Override
  public void close() {
    List<Request> dropped;
    Pending aborted = null;
    synchronized (this) {
      closed = true;
      if (pending != null) {
        aborted = abortPending("the job ended", false, false);
      }
      dropped = new ArrayList<>(queued);
      queued.clear();
    }
    failFuture(aborted);
    for (Request r : dropped) {
      r.result()
          .completeExceptionally(
              new CheckpointException(
                  "job '"
                      + jobName
                      + "' ended before the "
                      + (r.savepoint() ? "savepoint" : "checkpoint")
                      + " could start"));
    }
    timer.shutdown();
    if (Thread.currentThread() == timerThread) {
      return; // closing from a completion callback: the thread ends once it returns
    }
    Awaiting.termination(timer, Duration.ofSeconds(30));
    // The pool is terminated once its worker left its loop; the thread itself ends a moment later.
    Thread t = timerThread;
    if (t != null) {
      Awaiting.end(t, Duration.ofSeconds(5));
    }
  }
}
