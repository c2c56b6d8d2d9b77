package dev.weir.runner.exactlyonce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.engine.checkpoint.CheckpointConfig;
import dev.weir.engine.checkpoint.CompletedCheckpoint;
import dev.weir.engine.cluster.EngineConfig;
import dev.weir.engine.cluster.JobClient;
import dev.weir.engine.cluster.JobStatus;
import dev.weir.engine.cluster.LocalCluster;
import dev.weir.engine.graph.JobGraph;
import dev.weir.runner.WeirPipelineOptions;
import dev.weir.runner.WeirRunner;
import dev.weir.state.rocksdb.RocksDbStateBackendFactory;
import dev.weir.translation.PipelineTranslator;
import dev.weir.translation.context.TranslationSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 12, point 7: savepoints written by an earlier build (committed under {@code
 * src/test/resources/savepoints/}, one per state backend) must still resume, so a change that
 * breaks savepoint compatibility fails CI, as Flink's migration tests guard its upgrades. The job
 * has keyed state changed in place, event-time timers (window expiration) and a lifted combine; the
 * savepoints were taken half-way through its input with {@link #main}, which is only run again on
 * purpose, when a format's version is raised (then keep the old fixtures too).
 */
class SavepointCompatibilityTest {

  private static final long TOTAL = 40_000;
  private static final int KEYS = 8;

  /** Per run: the lifted combine's sum per window start and key ("start/key"). */
  static final Map<String, Map<String, Long>> SUMS = new ConcurrentHashMap<>();

  private static final long WINDOW_MILLIS = 500;

  @TempDir Path dir;

  static final class RecordSum extends DoFn<KV<Integer, Long>, Void> {
    private final String run;

    RecordSum(String run) {
      this.run = run;
    }

    @ProcessElement
    public void process(@Element KV<Integer, Long> sum, BoundedWindow window) {
      long start = ((IntervalWindow) window).start().getMillis();
      Long before =
          SUMS.computeIfAbsent(run, r -> new ConcurrentHashMap<>())
              .put(start + "/" + sum.getKey(), sum.getValue());
      if (before != null) {
        ChaosExactlyOnceTest.ALERTS.add(
            "window " + start + " key " + sum.getKey() + " fired twice");
      }
    }
  }

  /** The job; step names must never change, since restored state finds its step by name. */
  static JobGraph job(String run, int parallelism, long perMilli) {
    WeirPipelineOptions options = PipelineOptionsFactory.create().as(WeirPipelineOptions.class);
    options.setRunner(WeirRunner.class);
    options.setStreaming(true);
    options.setParallelism(parallelism);
    Pipeline p = Pipeline.create(options);
    PCollection<KV<Integer, Long>> events =
        p.apply("Events", Read.from(new SequencedEventSource(TOTAL, KEYS, 4, perMilli)))
            .apply(
                "Windows",
                Window.into(FixedWindows.of(org.joda.time.Duration.millis(WINDOW_MILLIS))));
    events
        .apply("Group", GroupByKey.create())
        .apply("Global", Window.into(new GlobalWindows()))
        .apply("StateMachine", ParDo.of(new ChaosExactlyOnceTest.StateMachine()))
        .apply("Sink", ParDo.of(new ChaosExactlyOnceTest.FinalCounts(run)));
    events.apply("SumPerKey", Sum.longsPerKey()).apply("RecordSums", ParDo.of(new RecordSum(run)));
    PipelineTranslator.applyOverrides(p);
    return PipelineTranslator.translate(
            p, "compat", TranslationSettings.withParallelism(parallelism), options)
        .jobGraph();
  }

  private static EngineConfig config(String backend, Path dir) {
    EngineConfig config =
        EngineConfig.DEFAULT.withCheckpoints(
            CheckpointConfig.every(Duration.ZERO, dir.resolve("checkpoints")));
    return backend.equals("rocksdb")
        ? config.withStateBackend(new RocksDbStateBackendFactory(dir.resolve("rocksdb")))
        : config;
  }

  private static Path copyOf(Path from, Path to) throws Exception {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : files.toList()) {
        Files.copy(f, to.resolve(f.getFileName()));
      }
    }
    return to;
  }

  @ParameterizedTest
  @ValueSource(strings = {"heap", "rocksdb"})
  void aSavepointOfAnEarlierBuildResumesWithExactResults(String backend) throws Exception {
    Path fixture =
        Path.of(getClass().getResource("/savepoints/compat-" + backend + "/_metadata").toURI())
            .getParent();
    Path savepoint = copyOf(fixture, dir.resolve("savepoint"));
    String run = "compat-resumed-" + backend;
    ChaosExactlyOnceTest.ALERTS.clear();
    ChaosExactlyOnceTest.FINALS.remove(run);
    SUMS.remove(run);
    try (LocalCluster cluster = new LocalCluster(config(backend, dir))) {
      JobClient job = cluster.submit(job(run, 2, 1_000), config(backend, dir), savepoint);
      assertThat(job.waitForCompletion(Duration.ofSeconds(120)).status())
          .isEqualTo(JobStatus.FINISHED);
    }
    assertThat(ChaosExactlyOnceTest.ALERTS).as("lost or repeated events").isEmpty();
    for (int k = 0; k < KEYS; k++) {
      assertThat(ChaosExactlyOnceTest.FINALS.get(run).get(k))
          .as("events of key %d (state and timers)", k)
          .isEqualTo(TOTAL / KEYS);
    }
    // Event n has time n ms, key n % KEYS and value n / KEYS. The windows that fired before the
    // savepoint are gone; every later one, including those the savepoint caught half-full (their
    // accumulators are in it), must have its exact sum.
    Map<String, Long> expected = new HashMap<>();
    for (long n = 0; n < TOTAL; n++) {
      expected.merge((n / WINDOW_MILLIS * WINDOW_MILLIS) + "/" + (n % KEYS), n / KEYS, Long::sum);
    }
    Map<String, Long> sums = SUMS.get(run);
    assertThat(sums).as("windows that fired after the resume").isNotEmpty();
    long firstStart =
        sums.keySet().stream().mapToLong(w -> Long.parseLong(w.split("/")[0])).min().orElseThrow();
    assertThat(firstStart).as("the savepoint was taken part-way").isPositive();
    expected.keySet().removeIf(w -> Long.parseLong(w.split("/")[0]) < firstStart);
    assertThat(sums).isEqualTo(expected);
  }

  /**
   * Writes the fixtures into {@code args[0]} (e.g. {@code runner/src/test/resources/savepoints}):
   * per backend, the job stopped with a savepoint part-way through its input.
   */
  public static void main(String[] args) throws Exception {
    Path target = Path.of(args[0]);
    for (String backend : new String[] {"heap", "rocksdb"}) {
      Path work = Files.createTempDirectory("weir-compat");
      CompletedCheckpoint savepoint;
      try (LocalCluster cluster = new LocalCluster(config(backend, work))) {
        JobClient job = cluster.submit(job("compat-first", 2, 2));
        Thread.sleep(1_500);
        savepoint = job.stopWithSavepoint().get(60, TimeUnit.SECONDS);
        job.waitForCompletion(Duration.ofSeconds(60));
      }
      assertThat(ChaosExactlyOnceTest.FINALS.get("compat-first")).isNull();
      copyOf(savepoint.folder(), target.resolve("compat-" + backend));
    }
  }
}
