package dev.weir.engine.cluster;

import dev.weir.engine.checkpoint.CheckpointStats;
import dev.weir.engine.checkpoint.CompletedCheckpoint;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/** A handle on a submitted job. */
public interface JobClient {

  String jobName();

  JobStatus status();

  /**
   * Waits until the job ends and every thread of it has stopped. Returns the result when it
   * finished or was cancelled; throws {@link JobExecutionException} (cause: the task's original
   * exception) when it failed.
   */
  JobResult waitForCompletion(Duration timeout)
      throws JobExecutionException, TimeoutException, InterruptedException;

  /** Completes when the job ends, with its result whatever the status. */
  CompletableFuture<JobResult> completion();

  /** Stops the job; returns at once, {@link #waitForCompletion} waits for the threads. */
  void cancel();

  /**
   * Takes a savepoint: a checkpoint kept until the user deletes it, from which the job can be
   * resumed, also at another parallelism. Completes with it, or exceptionally when the job takes no
   * checkpoints (no checkpoint directory) or the savepoint failed.
   */
  CompletableFuture<CompletedCheckpoint> triggerSavepoint();

  /**
   * Takes a savepoint and then stops the job (which ends FINISHED); completes with the savepoint.
   */
  CompletableFuture<CompletedCheckpoint> stopWithSavepoint();

  /** Takes a checkpoint now (or right after the one in flight). */
  CompletableFuture<CompletedCheckpoint> triggerCheckpoint();

  /** Figures about checkpoints so far, or {@code null} when the job takes none. */
  CheckpointStats checkpointStats();

  /** How often the job's tasks were restarted after failures. */
  int restarts();
}
