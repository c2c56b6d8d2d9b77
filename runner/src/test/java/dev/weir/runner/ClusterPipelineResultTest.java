package dev.weir.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weir.cluster.testing.InProcessCluster;
import dev.weir.cluster.transport.ClusterSecret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
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
 * The {@link WeirPipelineResult} of a pipeline submitted to a cluster (a coordinator and a worker
 * in this JVM, over loopback) while it runs: its Beam metrics so far, a savepoint, and a stop with
 * a savepoint.
 */
@Timeout(180)
class ClusterPipelineResultTest {

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
