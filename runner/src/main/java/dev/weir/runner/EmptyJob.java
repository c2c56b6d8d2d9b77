package dev.weir.runner;

import dev.weir.engine.checkpoint.CheckpointStats;
import dev.weir.engine.checkpoint.CompletedCheckpoint;
import dev.weir.engine.cluster.JobClient;
import dev.weir.engine.cluster.JobResult;
import dev.weir.engine.cluster.JobStatus;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The job of a pipeline without transforms: Beam runs it and reports DONE, so it is finished the
 * moment it is submitted; the engine, which refuses a job graph without vertices, never sees it.
 * Thread-safe (immutable).
 */
final class EmptyJob implements JobClient {

  private final JobResult result;

  EmptyJob(String jobName) {
    this.result = new JobResult(jobName, JobStatus.FINISHED, Duration.ZERO, null);
  }

  @Override
  public String jobName() {
    return result.jobName();
  }

  @Override
  public JobStatus status() {
    return JobStatus.FINISHED;
  }

  @Override
  public JobResult waitForCompletion(Duration timeout) {
    return result;
  }

  @Override
  public CompletableFuture<JobResult> completion() {
    return CompletableFuture.completedFuture(result);
  }

  @Override
  public void cancel() {}

  @Override
  public CompletableFuture<CompletedCheckpoint> triggerSavepoint() {
    return finished();
  }

  @Override
  public CompletableFuture<CompletedCheckpoint> stopWithSavepoint() {
    return finished();
  }

  @Override
  public CompletableFuture<CompletedCheckpoint> triggerCheckpoint() {
    return finished();
  }

  private CompletableFuture<CompletedCheckpoint> finished() {
    return CompletableFuture.failedFuture(
        new IllegalStateException(
            "job '" + result.jobName() + "' has no transforms: it finished when it started"));
  }

  @Override
  public CheckpointStats checkpointStats() {
    return null;
  }

  @Override
  public int restarts() {
    return 0;
  }
}
