package dev.weir.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.cluster.process.ClusterKeystore;
import dev.weir.cluster.process.LoopbackCluster;
import dev.weir.cluster.transport.ClusterSecret;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.GenerateSequence;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Beam pipelines on a cluster of separate JVMs on loopback (a coordinator and two workers of one
 * slot, started by each test and killed by pid at its end) write exactly what they write embedded:
 * WordCount in batch, with checkpoints in a folder they share, and a streaming windowed count.
 */
@Timeout(300)
class ClusterWordCountTest {

  @TempDir Path dir;

  private LoopbackCluster cluster;

  @AfterEach
  void killAll() throws InterruptedException {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static Map<String, Long> counts(Path folder) throws IOException {
    Map<String, Long> counts = new HashMap<>();
    try (Stream<Path> files = Files.list(folder)) {
      for (Path f : files.filter(p -> p.getFileName().toString().startsWith("counts")).toList()) {
        for (String line : Files.readAllLines(f)) {
          String[] parts = line.split(": ");
          assertThat(counts.put(parts[0], Long.parseLong(parts[1])))
              .as("word %s written once", parts[0])
              .isNull();
        }
      }
    }
    return counts;
  }

  private static PipelineResult run(String... args) {
    WordCount.Options options = PipelineOptionsFactory.fromArgs(args).as(WordCount.Options.class);
    PipelineResult result = WordCount.build(options).run();
    result.waitUntilFinish();
    return result;
  }

  /** Every counter of a finished job, attempted and committed, by step and name. */
  private static Map<String, String> counters(PipelineResult result) {
    Map<String, String> counters = new TreeMap<>();
    for (MetricResult<Long> c : result.metrics().allMetrics().getCounters()) {
      counters.put(
          c.getKey().stepName() + " " + c.getName(), c.getAttempted() + "/" + c.getCommitted());
    }
    return counters;
  }

  /** Starts a coordinator and two workers of one slot; returns the coordinator's port. */
  private String startCluster(Path secret, String... extra) throws Exception {
    ClusterSecret.createFile(secret);
    cluster =
        LoopbackCluster.start(
            LoopbackCluster.Settings.printing(
                2,
                1,
                secret,
                dir,
                List.of("-Xmx256m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"),
                List.of(extra)));
    String address = cluster.coordinatorAddress();
    return address.substring(address.lastIndexOf(':') + 1);
  }

  private static String[] with(String[] extra, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of(extra));
    return all.toArray(new String[0]);
  }

  @Test
  void wordCountOverTlsWritesTheEmbeddedCounts() throws Exception {
    Path input = Path.of("data/declaration.txt").toAbsolutePath();
    Path keystore = dir.resolve("cluster.p12");
    Path password = dir.resolve("cluster.p12.password");
    ClusterKeystore.create(keystore, password);
    String port =
        startCluster(
            dir.resolve("cluster.secret"),
            "--tls-keystore=" + keystore,
            "--tls-password-file=" + password);
    String[] cluster = {
      "--runner=WeirRunner",
      "--parallelism=2",
      "--coordinator=127.0.0.1:" + port,
      "--secretFile=" + dir.resolve("cluster.secret"),
      "--inputFile=" + input,
    };

    PipelineResult overTls =
        run(
            with(
                cluster,
                "--tlsKeystore=" + keystore,
                "--tlsPasswordFile=" + password,
                "--output=" + dir.resolve("tls").resolve("counts")));
    assertThat(overTls.getState()).isEqualTo(PipelineResult.State.DONE);
    PipelineResult embedded =
        run(
            "--runner=WeirRunner",
            "--parallelism=2",
            "--inputFile=" + input,
            "--output=" + dir.resolve("embedded").resolve("counts"));
    assertThat(counts(dir.resolve("tls"))).isEqualTo(counts(dir.resolve("embedded"))).isNotEmpty();
    assertThat(counters(overTls)).isEqualTo(counters(embedded));

    // A client without the cluster's TLS is refused, and says why.
    assertThatThrownBy(() -> run(with(cluster, "--output=" + dir.resolve("plain"))))
        .hasMessageContaining("TLS");
  }

  @Test
  void wordCountOnACoordinatorAndTwoWorkersWritesTheEmbeddedCounts() throws Exception {
    Path input = Path.of("data/declaration.txt").toAbsolutePath();
    Path secret = dir.resolve("cluster.secret");
    String port = startCluster(secret);

    Path embedded = dir.resolve("embedded");
    PipelineResult embeddedRun =
        run(
            "--runner=WeirRunner",
            "--parallelism=2",
            "--inputFile=" + input,
            "--output=" + embedded.resolve("counts"));
    assertThat(embeddedRun.getState()).isEqualTo(PipelineResult.State.DONE);
    Path cluster = dir.resolve("cluster");
    PipelineResult clusterRun =
        run(
            "--runner=WeirRunner",
            "--parallelism=2",
            "--coordinator=127.0.0.1:" + port,
            "--secretFile=" + secret,
            "--checkpointingInterval=200",
            "--checkpointDir=" + dir.resolve("checkpoints"),
            "--inputFile=" + input,
            "--output=" + cluster.resolve("counts"));
    assertThat(clusterRun.getState()).isEqualTo(PipelineResult.State.DONE);
    // Beam's metrics (here the element counts of every PCollection) come back from both workers
    // and add up to what the embedded run counted.
    Map<String, String> embeddedCounters = counters(embeddedRun);
    assertThat(embeddedCounters).isNotEmpty();
    assertThat(counters(clusterRun)).isEqualTo(embeddedCounters);

    Map<String, Long> expected = counts(embedded);
    assertThat(expected).containsKey("the");
    assertThat(counts(cluster)).isEqualTo(expected);
    // The job's settings reached the cluster: at least its final checkpoint was written there.
    try (Stream<Path> files = Files.walk(dir.resolve("checkpoints"))) {
      assertThat(files.filter(p -> p.getFileName().toString().equals("_metadata"))).isNotEmpty();
    }
  }

  /** Writes each window's count of a key to a file of its own: window start, key, count. */
  static final class WriteEachCount extends DoFn<KV<Long, Long>, Void> {
    private final String folder;

    WriteEachCount(String folder) {
      this.folder = folder;
    }

    @ProcessElement
    public void process(@Element KV<Long, Long> count, BoundedWindow window) throws IOException {
      IntervalWindow w = (IntervalWindow) window;
      Files.writeString(
          Path.of(folder, "window-" + w.start().getMillis() + "-key-" + count.getKey()),
          Long.toString(count.getValue()));
    }
  }

  /**
   * A streaming pipeline: 20,000 numbers stamped 1 ms apart, one-second windows, a count per key
   * (number mod 4), each count written to a file.
   */
  private static PipelineResult.State windowedCount(Path out, String... args) throws IOException {
    Files.createDirectories(out);
    Pipeline p = Pipeline.create(PipelineOptionsFactory.fromArgs(args).create());
    p.apply("Numbers", GenerateSequence.from(0).to(20_000).withTimestampFn(i -> new Instant(i)))
        .apply("Window", Window.into(FixedWindows.of(org.joda.time.Duration.standardSeconds(1))))
        .apply("Key", MapElements.into(TypeDescriptors.longs()).via((Long i) -> i % 4))
        .apply("Count", Count.perElement())
        .apply("Write", ParDo.of(new WriteEachCount(out.toString())));
    return p.run().waitUntilFinish();
  }

  private static Map<String, String> files(Path folder) throws IOException {
    Map<String, String> contents = new TreeMap<>();
    try (Stream<Path> files = Files.list(folder)) {
      for (Path f : files.toList()) {
        contents.put(f.getFileName().toString(), Files.readString(f));
      }
    }
    return contents;
  }

  @Test
  void aStreamingWindowedCountOnTheClusterWritesTheEmbeddedCounts() throws Exception {
    Path secret = dir.resolve("cluster.secret");
    String port = startCluster(secret);
    Path embedded = dir.resolve("embedded");
    assertThat(
            windowedCount(embedded, "--runner=WeirRunner", "--parallelism=2", "--streaming=true"))
        .isEqualTo(PipelineResult.State.DONE);
    Path cluster = dir.resolve("cluster");
    assertThat(
            windowedCount(
                cluster,
                "--runner=WeirRunner",
                "--parallelism=2",
                "--streaming=true",
                "--coordinator=127.0.0.1:" + port,
                "--secretFile=" + secret))
        .isEqualTo(PipelineResult.State.DONE);

    Map<String, String> expected = new TreeMap<>();
    for (long window = 0; window < 20; window++) {
      for (long key = 0; key < 4; key++) {
        expected.put("window-" + window * 1000 + "-key-" + key, "250");
      }
    }
    assertThat(files(embedded)).isEqualTo(expected);
    assertThat(files(cluster)).isEqualTo(expected);
  }
}
