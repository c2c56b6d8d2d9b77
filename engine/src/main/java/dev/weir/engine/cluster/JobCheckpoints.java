package dev.weir.engine.cluster;

import dev.weir.engine.checkpoint.CheckpointCoordinator;
import dev.weir.engine.checkpoint.CheckpointStats;
import dev.weir.engine.checkpoint.CompletedCheckpoint;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * What a job asks of its checkpoints, besides the periodic ones: checkpoints and savepoints on
 * request, a savepoint that stops the sources, and the final checkpoint once every task finished
 * its input. Without a checkpoint directory there is no coordinator, and every request fails naming
 * the option that enables checkpoints. Any thread.
 */
final class JobCheckpoints {

  /** Attempts at the checkpoint that closes a finished job before giving up on it. */
  private static final int FINAL_CHECKPOINT_ATTEMPTS = 3;

  private final String jobName;

  /** {@code null} for a job without checkpoints. */
  private final CheckpointCoordinator coordinator;

  JobCheckpoints(String jobName, CheckpointCoordinator coordinator) {
    this.jobName = jobName;
    this.coordinator = coordinator;
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
