package dev.weir.runner;

import dev.weir.engine.checkpoint.CheckpointStats;
import dev.weir.engine.checkpoint.CompletedCheckpoint;
import dev.weir.engine.cluster.JobClient;
import dev.weir.engine.cluster.JobExecutionException;
import dev.weir.engine.cluster.JobStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricResults;
import org.apache.beam.sdk.util.UserCodeException;
import org.joda.time.Duration;

/** A pipeline running on Weir: its state, waiting for it, cancelling it, its metrics. */
public final class WeirPipelineResult implements PipelineResult {

  private final JobClient job;
  private final Supplier<MetricResults> metrics;

  private final String controlAddress;
  private final Path controlTokenFile;

  WeirPipelineResult(
      JobClient job,
      Supplier<MetricResults> metrics,
      String controlAddress,
      Path controlTokenFile) {
    this.job = job;
    this.metrics = metrics;
    this.controlAddress = controlAddress;
    this.controlTokenFile = controlTokenFile;
  }

  /**
   * The file holding the token that requests to the control endpoint which change something must
   * carry ({@code weir ... --token-file=...}), or {@code null} without {@code --controlPort}.
   */
  public Path controlTokenFile() {
    return controlTokenFile;
  }

  /**
   * {@code host:port} of the job's control endpoint (for {@code weir savepoint|stop|cancel
   * --address=...}), or {@code null} when the pipeline ran without {@code --controlPort}.
   */
  public String controlAddress() {
    return controlAddress;
  }

  @Override
  public State getState() {
    return toState(job.status());
  }

  private static State toState(JobStatus status) {
    return switch (status) {
      case RUNNING, RESTARTING, FAILING, CANCELLING -> State.RUNNING;
      case FINISHED -> State.DONE;
      case FAILED -> State.FAILED;
      case CANCELED -> State.CANCELLED;
    };
  }

  @Override
  public State cancel() throws IOException {
    job.cancel();
    return waitUntilFinish(Duration.standardSeconds(30));
  }

  /**
   * Waits for the pipeline to end, at most {@code duration}; returns its state, or {@code null} if
   * it is still running.
   *
   * @throws Pipeline.PipelineExecutionException if it failed; the cause is the user code's
   *     exception
   */
  @Override
  public State waitUntilFinish(Duration duration) {
    try {
      return toState(
          job.waitForCompletion(java.time.Duration.ofMillis(Math.max(1, duration.getMillis())))
              .status());
    } catch (TimeoutException e) {
      return null;
    } catch (JobExecutionException e) {
      throw new Pipeline.PipelineExecutionException(userCause(e.getCause()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Waits until the pipeline ends; see {@link #waitUntilFinish(Duration)}. */
  @Override
  public State waitUntilFinish() {
    return waitUntilFinish(Duration.millis(Long.MAX_VALUE / 4));
  }

  /** How often the job restarted after a failure so far. Any thread. */
  public int restarts() {
    return job.restarts();
  }

  /** Figures about the job's checkpoints so far ({@code null} when checkpointing is off). */
  public CheckpointStats checkpointStats() {
    return job.checkpointStats();
  }

  /**
   * Takes a savepoint of the running pipeline (it needs {@code --checkpointingInterval} and {@code
   * --checkpointDir}); completes with the savepoint's folder, to resume from with {@code
   * --savepointPath}, or exceptionally with why there is none. Embedded or on a cluster; any
   * thread.
   */
  public CompletableFuture<Path> savepoint() {
    return job.triggerSavepoint().thenApply(CompletedCheckpoint::folder);
  }

  /**
   * Takes a savepoint after which the sources read nothing more, and ends the pipeline (DONE) once
   * it completed; completes with the savepoint's folder. If the savepoint fails the pipeline runs
   * on.
   */
  public CompletableFuture<Path> stopWithSavepoint() {
    return job.stopWithSavepoint().thenApply(CompletedCheckpoint::folder);
  }

  /**
   * The pipeline's Beam metrics. While it runs, what was reported so far (on a cluster the
   * coordinator is asked, which reports what the workers sent with their task statuses); once it
   * ended, the final figures.
   */
  @Override
  public MetricResults metrics() {
    return metrics.get();
  }

  /**
   * The user's own exception: Beam wraps exceptions of DoFns in a UserCodeException, a cluster's
   * report of a failure wraps the worker's exception.
   */
  static Throwable userCause(Throwable t) {
    // On a cluster, the failure as the coordinator reported it holds the worker's exception.
    while ((t instanceof UserCodeException || t instanceof ClusterJob.ClusterJobFailure)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
