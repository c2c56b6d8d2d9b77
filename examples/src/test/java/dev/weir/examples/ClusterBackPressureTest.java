package dev.weir.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.cluster.process.LoopbackCluster;
import dev.weir.cluster.transport.ClusterSecret;
import dev.weir.engine.cluster.EngineConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
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
import org.apache.beam.sdk.transforms.Reshuffle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Back-pressure between worker JVMs: an unbounded source that reads as fast as it may, reshuffled
 * (every record crosses the network exchange, half of them to the other worker) into a sink that
 * takes about 100 µs a record, for 20 s, on two worker JVMs of 256 MiB each. The source must slow
 * to the sink's pace: what it emitted exceeds what the sink took by no more than the exchange's
 * buffers hold, and both workers stay up (an unthrottled source would fill their heaps).
 */
@Timeout(180)
class ClusterBackPressureTest {

  private static final Counter EMITTED = Metrics.counter(ClusterBackPressureTest.class, "emitted");
  private static final Counter CONSUMED =
      Metrics.counter(ClusterBackPressureTest.class, "consumed");

  @TempDir Path dir;

  private LoopbackCluster cluster;

  @AfterEach
  void killAll() throws InterruptedException {
    if (cluster != null) {
      cluster.close();
    }
  }

  static final class CountEmitted extends DoFn<Long, Long> {
    @ProcessElement
    public void process(@Element Long n, OutputReceiver<Long> out) {
      EMITTED.inc();
      out.output(n);
    }
  }

  static final class SlowSink extends DoFn<Long, Void> {
    @ProcessElement
    public void process(@Element Long n) {
      LockSupport.parkNanos(100_000);
      CONSUMED.inc();
    }
  }

  private static long counter(PipelineResult result, String name) {
    long total = 0;
    for (MetricResult<Long> c :
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named(ClusterBackPressureTest.class, name))
                    .build())
            .getCounters()) {
      total += c.getAttempted();
    }
    return total;
  }

  @Test
  void aSlowSinkThrottlesAFastSourceAcrossWorkerJvms() throws Exception {
    Path secret = dir.resolve("cluster.secret");
    ClusterSecret.createFile(secret);
    cluster =
        LoopbackCluster.start(
            LoopbackCluster.Settings.printing(
                2,
                1,
                secret,
                dir,
                List.of("-Xmx256m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"),
                List.of()));
    Pipeline p =
        Pipeline.create(
            PipelineOptionsFactory.fromArgs(
                    "--runner=WeirRunner",
                    "--parallelism=2",
                    "--streaming=true",
                    "--coordinator=" + cluster.coordinatorAddress(),
                    "--secretFile=" + secret)
                .create());
    p.apply("Firehose", GenerateSequence.from(0))
        .apply("CountEmitted", ParDo.of(new CountEmitted()))
        .apply("Across", Reshuffle.viaRandomKey())
        .apply("SlowSink", ParDo.of(new SlowSink()));
    PipelineResult result = p.run();

    long end = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < end) {
      Thread.sleep(500);
      assertThat(result.getState()).isEqualTo(PipelineResult.State.RUNNING);
      for (Process worker : cluster.processes()) {
        assertThat(worker.isAlive()).as("a worker JVM ran out of memory or died").isTrue();
      }
    }
    assertThat(result.cancel()).isEqualTo(PipelineResult.State.CANCELLED);

    long emitted = counter(result, "emitted");
    long consumed = counter(result, "consumed");
    // Per exchange channel (2 x 2) at most: the producer's buffers and the consumer's credits, of
    // 32 KiB each, of records of at least 8 bytes; plus a bundle in each sink.
    EngineConfig config = EngineConfig.DEFAULT;
    long perChannel =
        (long) (config.buffersPerOutputChannel() + 1 + config.creditsPerInputChannel())
            * config.bufferSize()
            / 8;
    long bound = 4 * perChannel + 2 * 1_000;
    System.out.printf(
        "back-pressure across JVMs: emitted %d, consumed %d in 20 s (bound on the gap %d)%n",
        emitted, consumed, bound);
    assertThat(consumed).as("the sink made progress").isGreaterThan(10_000);
    assertThat(emitted - consumed)
        .as("the source ran at the sink's pace, not at its own")
        .isLessThanOrEqualTo(bound);
  }
}
