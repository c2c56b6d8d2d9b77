package dev.weir.runner.cli;

import com.google.protobuf.ByteString;
import dev.weir.cluster.client.ClusterClient;
import dev.weir.cluster.protocol.v1.JobInfo;
import dev.weir.cluster.protocol.v1.JobReply;
import dev.weir.cluster.protocol.v1.JobRequest;
import dev.weir.cluster.transport.ClusterSecret;
import dev.weir.cluster.transport.ClusterTls;
import dev.weir.cluster.transport.HostPort;
import dev.weir.translation.metrics.JobMetrics;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.beam.sdk.metrics.MetricResult;

/**
 * The job commands of {@code weir} against a cluster's coordinator ({@code --coordinator}): one
 * authenticated connection per command, one request, its answer printed.
 */
final class CoordinatorRequests {

  private final String coordinator;
  private final Path secretFile;
  private final Path tlsKeystore;
  private final Path tlsPasswordFile;
  private final PrintWriter out;
  private final PrintWriter err;

  CoordinatorRequests(
      String coordinator,
      Path secretFile,
      Path tlsKeystore,
      Path tlsPasswordFile,
      PrintWriter out,
      PrintWriter err) {
    this.coordinator = coordinator;
    this.secretFile = secretFile;
    this.tlsKeystore = tlsKeystore;
    this.tlsPasswordFile = tlsPasswordFile;
    this.out = out;
    this.err = err;
  }

  /** Sends {@code kind} about {@code jobId} (null for a list); prints the answer; the exit code. */
  int send(JobRequest.Kind kind, String jobId, Duration timeout) {
    HostPort target;
    try {
      target = HostPort.parse(coordinator, "--coordinator");
    } catch (IllegalArgumentException e) {
      err.println("weir: " + e.getMessage());
      return 2;
    }
    if (kind != JobRequest.Kind.KIND_LIST && jobId == null) {
      err.println("weir: name the job with --job=ID (weir list --coordinator=... shows the ids)");
      return 2;
    }
    ClusterClient client;
    try {
      ClusterSecret secret =
          secretFile == null ? ClusterSecret.none() : ClusterSecret.fromFile(secretFile);
      if ((tlsKeystore == null) != (tlsPasswordFile == null)) {
        err.println("weir: --tls-keystore and --tls-password-file go together");
        return 2;
      }
      ClusterTls tls =
          tlsKeystore == null
              ? ClusterTls.NONE
              : ClusterTls.fromKeystore(tlsKeystore, tlsPasswordFile);
      client =
          ClusterClient.connect(target.host(), target.port(), secret, tls, Duration.ofSeconds(10));
    } catch (IllegalArgumentException e) {
      err.println("weir: " + e.getMessage());
      return 2;
    } catch (RuntimeException e) {
      err.println("weir: cannot reach the coordinator at " + coordinator + ": " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
    try (client) {
      JobReply reply = client.request(kind, jobId).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!reply.getError().isEmpty()) {
        err.println("weir: " + name(kind) + " failed: " + reply.getError());
        return 1;
      }
      switch (kind) {
        case KIND_SAVEPOINT, KIND_STOP -> out.println("path: " + reply.getSavepointPath());
        case KIND_LIST -> {
          if (reply.getJobsCount() == 0) {
            out.println("no jobs run on " + coordinator);
          }
          for (JobInfo job : reply.getJobsList()) {
            out.printf(
                "%s  %-11s %s (restarts: %d, checkpoints: %d)%n",
                job.getJobId(),
                job.getStatus(),
                job.getName(),
                job.getRestarts(),
                job.getCompletedCheckpoints());
          }
        }
        default -> {
          for (JobInfo job : reply.getJobsList()) {
            out.println("job: " + job.getJobId() + " (" + job.getName() + ")");
            out.println("status: " + job.getStatus());
            out.println("restarts: " + job.getRestarts());
            out.println("checkpoints: " + job.getCompletedCheckpoints());
            printCounters(job);
          }
        }
      }
      return 0;
    } catch (TimeoutException e) {
      err.println(
          "weir: no answer from "
              + coordinator
              + " within "
              + timeout.toSeconds()
              + " s; the job may still be working on it (wait longer with --timeout)");
      return 1;
    } catch (ExecutionException e) {
      err.println("weir: " + e.getCause().getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  /** The job's Beam counters as its workers reported them so far, one line each. */
  private void printCounters(JobInfo job) {
    List<byte[]> reports = new ArrayList<>();
    for (ByteString report : job.getUserMetricsList()) {
      reports.add(report.toByteArray());
    }
    for (MetricResult<Long> counter : JobMetrics.results(reports).allMetrics().getCounters()) {
      Long committed = counter.getCommittedOrNull();
      out.println(
          "counter "
              + counter.getName()
              + " ["
              + counter.getKey().stepName()
              + "]: "
              + counter.getAttempted()
              + " attempted"
              + (committed == null ? "" : ", " + committed + " committed"));
    }
  }

  private static String name(JobRequest.Kind kind) {
    return kind.name().substring("KIND_".length()).toLowerCase(java.util.Locale.ROOT);
  }
}
