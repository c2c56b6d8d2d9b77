package dev.weir.engine.cluster;

import dev.weir.engine.checkpoint.CheckpointCoordinator;
import dev.weir.engine.checkpoint.CheckpointStats;
import dev.weir.engine.checkpoint.CompletedCheckpoint;
import dev.weir.engine.checkpoint.FaultInjector;
import dev.weir.engine.checkpoint.TaskCheckpointContext;
import dev.weir.engine.lifecycle.Awaiting;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a job asks of its checkpoints, besides the periodic ones: checkpoints and savepoints on
 * request, a savepoint that stops the sources, and the final checkpoint once every task finished
 * its input. Without a checkpoint directory there is no coordinator, and every request fails naming
 * the option that enables checkpoints. Any thread.
 */
final class JobCheckpoints {

  /** Attempts at the checkpoint that closes a finished job before giving up on it. */
  private static final int FINAL_CHECKPOINT_ATTEMPTS = 3;

  private static final Logger LOG = LoggerFactory.getLogger(JobCheckpoints.class);

  private final String jobName;

  /** {@code null} for a job without checkpoints. */
  private final CheckpointCoordinator coordinator;

  /** Threads writing snapshots; {@code null} without checkpoints. */
  private final ExecutorService snapshotWriters;

  private final List<Thread> writerThreads = new CopyOnWriteArrayList<>();

  /** How tasks take part in checkpoints; {@code null} without checkpoints. */
  private final TaskCheckpointContext taskContext;

  JobCheckpoints(String jobName, CheckpointCoordinator coordinator, FaultInjector faults) {
    this.jobName = jobName;
    this.coordinator = coordinator;
    if (coordinator == null) {
      snapshotWriters = null;
      taskContext = null;
      return;
    }
    snapshotWriters =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "weir[" + jobName + "] snapshot writer");
              t.setDaemon(true);
              writerThreads.add(t);
              return t;
            });
    taskContext =
        new TaskCheckpointContext(coordinator.storage(), snapshotWriters, coordinator, faults);
  }

  /** What tasks need to take part in checkpoints, or {@code null} for a job without them. */
  TaskCheckpointContext taskContext() {
    return taskContext;
  }

  /** Checkpoints completed so far (0 without checkpoints). */
  long completed() {
    return coordinator == null ? 0 : coordinator.stats().completed();
  }

  /**
   * The job ended: waits for the snapshot writers, then closes the coordinator. Writers first: a
   * snapshot still being written must not recreate a folder the coordinator discards.
   */
  void close() {
    if (coordinator == null) {
      return;
    }
    snapshotWriters.shutdown();
    if (!Awaiting.termination(snapshotWriters, Duration.ofSeconds(30))) {
      LOG.warn("job '{}': snapshot writers still busy 30 s after the job ended", jobName);
    }
    // Terminated means the workers left their loop; their threads end a moment later.
    for (Thread t : writerThreads) {
      Awaiting.end(t, Duration.ofSeconds(5));
    }
    coordinator.close();
  }

  /** Whether a finished job takes a final checkpoint (it takes periodic ones). */
  boolean takesFinalCheckpoint() {
    return coordinator != null && coordinator.config().periodic();
  }

  CompletableFuture<CompletedCheckpoint> triggerCheckpoint() {
    return coordinator == null ? noCheckpoints() : coordinator.trigger(false);
  }

  CompletableFuture<CompletedCheckpoint> triggerSavepoint() {
    return coordinator == null ? noCheckpoints() : coordinator.trigger(true);
  }

  /**
   * A savepoint whose barrier stops the sources: nothing after it is processed, so a job resumed
   * from it repeats nothing.
   */
  CompletableFuture<CompletedCheckpoint> savepointStoppingSources() {
    return coordinator == null ? noCheckpoints() : coordinator.trigger(true, true);
  }

  CheckpointStats stats() {
    return coordinator == null ? null : coordinator.stats();
  }

  /**
   * Every task finished its input: one more checkpoint lets operators commit what the last one did
   * not cover (sinks, bundle finalizers) before the job closes. Tried {@value
   * #FINAL_CHECKPOINT_ATTEMPTS} times while {@code stillWanted} holds (the job was not restarted or
   * cancelled meanwhile); then {@code onComplete} runs, or {@code onGiveUp} with the failure.
   */
  void takeFinal(BooleanSupplier stillWanted, Runnable onComplete, Consumer<Throwable> onGiveUp) {
    takeFinal(1, stillWanted, onComplete, onGiveUp);
  }

  private void takeFinal(
      int attempt, BooleanSupplier stillWanted, Runnable onComplete, Consumer<Throwable> onGiveUp) {
    coordinator
        .trigger(false)
        .whenComplete(
            (checkpoint, error) -> {
              if (!stillWanted.getAsBoolean()) {
                return;
              }
              if (error == null) {
                onComplete.run();
              } else if (attempt < FINAL_CHECKPOINT_ATTEMPTS) {
                takeFinal(attempt + 1, stillWanted, onComplete, onGiveUp);
              } else {
                onGiveUp.accept(
                    new IllegalStateException(
                        "the final checkpoint of job '"
                            + jobName
                            + "' failed "
                            + FINAL_CHECKPOINT_ATTEMPTS
                            + " times: "
                            + error.getMessage()));
              }
            });
  }

  private CompletableFuture<CompletedCheckpoint> noCheckpoints() {
    return CompletableFuture.failedFuture(
        new IllegalStateException(
            "job '"
                + jobName
                + "' takes no checkpoints: give it a checkpoint directory (EngineConfig.withCheckpoints, or --checkpointDir)"));
  }
}
