package dev.weir.runner;

import com.google.protobuf.ByteString;
import dev.weir.cluster.client.ClusterClient;
import dev.weir.cluster.job.CheckpointFiguresCodec;
import dev.weir.cluster.job.FailureCodec;
import dev.weir.cluster.protocol.v1.Failure;
import dev.weir.cluster.protocol.v1.JobEnded;
import dev.weir.cluster.protocol.v1.JobInfo;
import dev.weir.cluster.protocol.v1.JobReply;
import dev.weir.cluster.protocol.v1.JobRequest;
import dev.weir.engine.checkpoint.CheckpointStats;
import dev.weir.engine.checkpoint.CompletedCheckpoint;
import dev.weir.engine.cluster.JobClient;
import dev.weir.engine.cluster.JobExecutionException;
import dev.weir.engine.cluster.JobResult;
import dev.weir.engine.cluster.JobStatus;
import dev.weir.translation.metrics.JobMetrics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.beam.sdk.metrics.MetricResults;
import org.apache.beam.sdk.util.UserCodeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pipeline's job running on a cluster: what its coordinator reports of it. The connection to the
 * coordinator closes when the job ended. Thread-safe.
 */
final class ClusterJob implements JobClient {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterJob.class);

  /** How long a question to the coordinator about the running job may take. */
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(30);

  private final String jobName;
  private final ClusterClient client;
  private final ClusterClient.SubmittedJob job;
  private final long startNanos = System.nanoTime();
  private final CompletableFuture<JobResult> completion;
  private volatile List<byte[]> userMetrics = List.of();

  /** What the coordinator last said of the running job, or null before it was asked. */
  private volatile JobInfo lastInfo;

  private volatile int endedRestarts;

  /** Where the classes of the user's exceptions are found when a remote failure is rebuilt. */
  private final ClassLoader userClasses;

  ClusterJob(String jobName, ClusterClient client, ClusterClient.SubmittedJob job) {
    this.jobName = jobName;
    this.client = client;
    this.job = job;
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    this.userClasses = context != null ? context : ClusterJob.class.getClassLoader();
    this.completion =
        job.ended()
            .handle((ended, lost) -> ended != null ? result(ended) : lost(lost))
            .whenComplete((r, e) -> client.close());
  }

  private JobResult result(JobEnded ended) {
    List<byte[]> reports = new ArrayList<>();
    for (ByteString report : ended.getUserMetricsList()) {
      reports.add(report.toByteArray());
    }
    userMetrics = reports;
    endedRestarts = ended.getRestarts();
    JobStatus status =
        switch (ended.getStatus()) {
          case "FINISHED" -> JobStatus.FINISHED;
          case "CANCELED" -> JobStatus.CANCELED;
          default -> JobStatus.FAILED;
        };
    return new JobResult(
        jobName,
        status,
        Duration.ofNanos(System.nanoTime() - startNanos),
        status == JobStatus.FAILED
            ? new ClusterJobFailure(ended.getFailure(), remoteCause(ended))
            : null);
  }

  /**
   * The user code's exception on the worker, rebuilt; Beam's UserCodeException wrappers are left
   * out, as the embedded runner leaves them out.
   */
  private Throwable remoteCause(JobEnded ended) {
    if (!ended.hasFailureDetail()) {
      return null;
    }
    Failure detail = ended.getFailureDetail();
    while (detail.getClassName().equals(UserCodeException.class.getName()) && detail.hasCause()) {
      detail = detail.getCause();
    }
    return FailureCodec.decode(detail, userClasses);
  }

  private JobResult lost(Throwable cause) {
    Throwable why =
        cause instanceof java.util.concurrent.CompletionException c ? c.getCause() : cause;
    return new JobResult(
        jobName,
        JobStatus.FAILED,
        Duration.ofNanos(System.nanoTime() - startNanos),
        new ClusterJobFailure(
            "job "
                + job.id()
                + " on the cluster: "
                + why.getMessage()
                + "; its outcome is unknown"));
  }

  /**
   * The job's Beam metrics, merged from every worker's report in every attempt: while the job runs,
   * what the workers reported so far (asked of the coordinator; they report with their task
   * statuses); once it ended, the final reports.
   */
  MetricResults metrics() {
    if (!completion.isDone()) {
      JobInfo info = ask();
      if (info != null && !completion.isDone()) {
        List<byte[]> reports = new ArrayList<>();
        for (ByteString report : info.getUserMetricsList()) {
          reports.add(report.toByteArray());
        }
        return JobMetrics.results(reports);
      }
    }
    return JobMetrics.results(userMetrics);
  }

  /**
   * The coordinator's status of the running job, or the last one known when it cannot answer now
   * (null if it never did).
   */
  private JobInfo ask() {
    try {
      JobReply reply =
          client
              .request(JobRequest.Kind.KIND_STATUS, job.id())
              .get(ASK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (reply.getError().isEmpty() && reply.getJobsCount() == 1) {
        lastInfo = reply.getJobs(0);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn(
          "job {}: the coordinator did not answer a status request ({}); using what it said last",
          job.id(),
          e.getCause() != null ? e.getCause() : e);
    }
    return lastInfo;
  }

  @Override
  public String jobName() {
    return jobName;
  }

  @Override
  public JobStatus status() {
    JobResult r = completion.getNow(null);
    return r == null ? JobStatus.RUNNING : r.status();
  }

  @Override
  public JobResult waitForCompletion(Duration timeout)
      throws JobExecutionException, TimeoutException, InterruptedException {
    JobResult r;
    try {
      r = completion.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
    if (r.status() == JobStatus.FAILED) {
      throw new JobExecutionException(
          "job '" + jobName + "' failed: " + r.failure().getMessage(), r.failure());
    }
    return r;
  }

  @Override
  public CompletableFuture<JobResult> completion() {
    return completion;
  }

  @Override
  public void cancel() {
    job.cancel();
  }

  @Override
  public CompletableFuture<CompletedCheckpoint> triggerSavepoint() {
    return savepoint(JobRequest.Kind.KIND_SAVEPOINT);
  }

  @Override
  public CompletableFuture<CompletedCheckpoint> stopWithSavepoint() {
    return savepoint(JobRequest.Kind.KIND_STOP);
  }

  /** Asks the coordinator for a savepoint; completes once it completed (its states not loaded). */
  private CompletableFuture<CompletedCheckpoint> savepoint(JobRequest.Kind kind) {
    return client
        .request(kind, job.id())
        .thenApply(
            reply -> {
              if (!reply.getError().isEmpty()) {
                throw new CompletionException(new IllegalStateException(reply.getError()));
              }
              return new CompletedCheckpoint(
                  reply.getSavepointId(),
                  true,
                  Path.of(reply.getSavepointPath()),
                  reply.getSavepointBytes(),
                  Map.of());
            });
  }

  @Override
  public CompletableFuture<CompletedCheckpoint> triggerCheckpoint() {
    return CompletableFuture.failedFuture(
        new UnsupportedOperationException(
            "a cluster job takes its checkpoints every --checkpointingInterval, not on demand;"
                + " take a savepoint instead (triggerSavepoint, or weir savepoint"
                + " --coordinator=HOST:PORT --job="
                + job.id()
                + ")"));
  }

  /**
   * The coordinator's checkpoint figures (asked while the job runs; after it ended, the last
   * answer), or {@code null} without checkpointing.
   */
  @Override
  public CheckpointStats checkpointStats() {
    JobInfo info = completion.isDone() ? lastInfo : ask();
    if (info == null || !info.hasCheckpoints()) {
      return null;
    }
    return CheckpointFiguresCodec.decode(info.getCheckpoints());
  }

  /** Restarts of the job so far, as the coordinator counts them (asked while the job runs). */
  @Override
  public int restarts() {
    JobResult ended = completion.getNow(null);
    if (ended != null) {
      return endedRestarts;
    }
    JobInfo info = ask();
    return info == null ? 0 : info.getRestarts();
  }

  /** Why the cluster says the job failed (the remote cause, as text). */
  static final class ClusterJobFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ClusterJobFailure(String message) {
      super(message);
    }

    ClusterJobFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
