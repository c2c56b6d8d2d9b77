package dev.weir.runner.cli;

import static dev.weir.runner.cli.WeirCliTest.weir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weir.cluster.testing.InProcessCluster;
import dev.weir.cluster.transport.ClusterSecret;
import dev.weir.engine.checkpoint.CheckpointStats;
import dev.weir.runner.WeirPipelineOptions;
import dev.weir.runner.WeirPipelineResult;
import dev.weir.runner.cli.WeirCliTest.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.GenerateSequence;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Controlling a job on a cluster (a coordinator and two workers in this JVM, over loopback): the
 * {@code weir} job commands against its coordinator (list, status with the Beam counters so far,
 * savepoint, stop), and the same from the {@link WeirPipelineResult} of the submitting program
 * (metrics while the job runs, savepoint, stop with a savepoint).
 */
@Timeout(180)
class CoordinatorCliTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  @TempDir Path dir;

  private InProcessCluster cluster;

  @AfterEach
  void stopAll() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static final class CountSeen extends DoFn<Long, Void> {
    private final Counter seen = Metrics.counter("test", "seen");

    @ProcessElement
    public void process(@Element Long n) {
      seen.inc();
    }
  }

  private static String field(String text, String name) {
    Matcher m = Pattern.compile("(?m)^" + name + ": (.*)$").matcher(text);
    assertThat(m.find()).as(name + " in " + text).isTrue();
    return m.group(1).trim();
  }

  @Test
  void listStatusSavepointAndStopThroughTheCoordinator() throws Exception {
    Path secretFile = dir.resolve("cluster.secret");
    ClusterSecret secret = ClusterSecret.createFile(secretFile);
    cluster = new InProcessCluster(secret, dir, 1, 1);
    String address = cluster.coordinatorAddress();

    WeirPipelineOptions options =
        PipelineOptionsFactory.fromArgs(
                "--runner=WeirRunner",
                "--parallelism=2",
                "--streaming=true",
                "--coordinator=" + address,
                "--secretFile=" + secretFile,
                "--checkpointingInterval=200",
                "--checkpointDir=" + dir.resolve("checkpoints"),
                "--jobName=controlled")
            .as(WeirPipelineOptions.class);
    Pipeline p = Pipeline.create(options);
    p.apply(GenerateSequence.from(0).withRate(2_000, org.joda.time.Duration.standardSeconds(1)))
        .apply(ParDo.of(new CountSeen()));
    PipelineResult result = p.run();

    Outcome list = weir("list", "--coordinator", address, "--secret-file", secretFile.toString());
    assertThat(list.exitCode()).as(list.err()).isZero();
    Matcher listed = Pattern.compile("(job-\\d+)\\s+\\S+\\s+controlled").matcher(list.out());
    assertThat(listed.find()).as(list.out()).isTrue();
    String job = listed.group(1);
    String[] target = {
      "--coordinator", address, "--secret-file", secretFile.toString(), "--job", job
    };

    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> Long.parseLong(field(weir(with("status", target)).out(), "checkpoints")) > 0);
    // The Beam counters the workers reported so far (every few seconds while tasks run).
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> weir(with("status", target)).out().contains("counter test:seen"));
    Outcome status = weir(with("status", target));
    assertThat(field(status.out(), "status")).isEqualTo("RUNNING");
    Matcher seen =
        Pattern.compile("(?m)^counter test:seen \\[.*\\]: (\\d+) attempted").matcher(status.out());
    assertThat(seen.find()).as(status.out()).isTrue();
    assertThat(Long.parseLong(seen.group(1))).isPositive();

    Outcome savepoint = weir(with("savepoint", target));
    assertThat(savepoint.exitCode()).as(savepoint.err()).isZero();
    assertThat(Path.of(field(savepoint.out(), "path"))).isDirectory();
    assertThat(result.getState()).isEqualTo(PipelineResult.State.RUNNING);

    Outcome stop = weir(with("stop", target));
    assertThat(stop.exitCode()).as(stop.err()).isZero();
    Path stopped = Path.of(field(stop.out(), "path"));
    assertThat(Files.exists(stopped.resolve("_metadata"))).isTrue();
    assertThat(result.waitUntilFinish()).isEqualTo(PipelineResult.State.DONE);

    Outcome gone = weir(with("status", target));
    assertThat(gone.exitCode()).isEqualTo(1);
    assertThat(gone.err()).contains("no job '" + job + "'");
    Outcome neither = weir("status");
    assertThat(neither.exitCode()).isEqualTo(2);
    assertThat(neither.err()).contains("--address").contains("--coordinator");
  }

  private static String[] with(String command, String[] target) {
    String[] all = new String[target.length + 1];
    all[0] = command;
    System.arraycopy(target, 0, all, 1, target.length);
    return all;
  }

  private static long seen(PipelineResult result) {
    long total = 0;
    for (MetricResult<Long> c :
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named("test", "seen"))
                    .build())
            .getCounters()) {
      total += c.getAttempted();
    }
    return total;
  }

  @Test
  void metricsWhileRunningSavepointAndStop() throws Exception {
    Path secretFile = dir.resolve("cluster.secret");
    ClusterSecret secret = ClusterSecret.createFile(secretFile);
    cluster = new InProcessCluster(secret, dir, 1, 1);
    WeirPipelineOptions options =
        PipelineOptionsFactory.fromArgs(
                "--runner=WeirRunner",
                "--parallelism=2",
                "--streaming=true",
                "--coordinator=" + cluster.coordinatorAddress(),
                "--secretFile=" + secretFile,
                "--checkpointingInterval=200",
                "--checkpointDir=" + dir.resolve("checkpoints"),
                "--jobName=observed")
            .as(WeirPipelineOptions.class);
    Pipeline p = Pipeline.create(options);
    p.apply(GenerateSequence.from(0).withRate(2_000, org.joda.time.Duration.standardSeconds(1)))
        .apply(ParDo.of(new CountSeen()));
    WeirPipelineResult result = (WeirPipelineResult) p.run();

    // Counted while the job runs, and growing.
    await().atMost(Duration.ofSeconds(60)).until(() -> seen(result) > 0);
    long first = seen(result);
    await().atMost(Duration.ofSeconds(60)).until(() -> seen(result) > first);
    assertThat(result.getState()).isEqualTo(PipelineResult.State.RUNNING);

    // The coordinator's checkpoint figures.
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> result.checkpointStats() != null && result.checkpointStats().completed() > 1);
    CheckpointStats checkpoints = result.checkpointStats();
    assertThat(checkpoints.lastCompletedId()).isPositive();
    assertThat(checkpoints.lastSizeBytes()).isPositive();
    assertThat(checkpoints.failed()).isZero();

    Path savepoint = result.savepoint().get(60, TimeUnit.SECONDS);
    assertThat(savepoint.resolve("_metadata")).exists();
    assertThat(result.getState()).isEqualTo(PipelineResult.State.RUNNING);

    Path stopped = result.stopWithSavepoint().get(60, TimeUnit.SECONDS);
    assertThat(Files.exists(stopped.resolve("_metadata"))).isTrue();
    assertThat(stopped).isNotEqualTo(savepoint);
    assertThat(result.waitUntilFinish()).isEqualTo(PipelineResult.State.DONE);
    assertThat(seen(result)).isGreaterThan(first);
  }
}
