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
import dev.weir.translation.PipelineTranslator;
import dev.weir.translation.context.TranslationSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.GenerateSequence;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollectionView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stop-with-savepoint of a streaming Beam pipeline (windows, GroupByKey, stateful ParDo) at
 * parallelism 2, resumed from the savepoint at parallelism 1 and at 4: each transform finds its
 * state by name, key groups and source splits are redistributed, and the per-key totals are exact.
 */
class SavepointRescaleTest {

  private static final int KEYS = 20;
  private static final long TOTAL = 40_000;

  @TempDir Path dir;

  private static WeirPipelineOptions streamingOptions(int parallelism) {
    WeirPipelineOptions options = PipelineOptionsFactory.create().as(WeirPipelineOptions.class);
    options.setRunner(WeirRunner.class);
    options.setStreaming(true);
    options.setParallelism(parallelism);
    return options;
  }

  private static JobGraph pipeline(String run, int parallelism, long perMilli) {
    WeirPipelineOptions options = streamingOptions(parallelism);
    Pipeline p = Pipeline.create(options);
    p.apply("Events", Read.from(new SequencedEventSource(TOTAL, KEYS, 4, perMilli)))
        .apply("Windows", Window.into(FixedWindows.of(org.joda.time.Duration.millis(500))))
        .apply("Group", GroupByKey.create())
        .apply("Global", Window.into(new GlobalWindows()))
        .apply("StateMachine", ParDo.of(new ChaosExactlyOnceTest.StateMachine()))
        .apply("Sink", ParDo.of(new ChaosExactlyOnceTest.FinalCounts(run)));
    PipelineTranslator.applyOverrides(p);
    return PipelineTranslator.translate(
            p, "savepoint", TranslationSettings.withParallelism(parallelism), options)
        .jobGraph();
  }

  @Test
  void stopWithSavepointAtTwoResumesAtOneAndAtFourWithExactTotals() throws Exception {
    ChaosExactlyOnceTest.ALERTS.clear();
    EngineConfig config =
        EngineConfig.DEFAULT.withCheckpoints(CheckpointConfig.every(Duration.ZERO, dir));
    CompletedCheckpoint savepoint;
    try (LocalCluster cluster = new LocalCluster(config)) {
      JobClient job = cluster.submit(pipeline("first", 2, 2));
      Thread.sleep(1500);
      savepoint = job.stopWithSavepoint().get(60, TimeUnit.SECONDS);
      assertThat(job.waitForCompletion(Duration.ofSeconds(60)).status())
          .isEqualTo(JobStatus.FINISHED);
    }
    assertThat(ChaosExactlyOnceTest.FINALS.get("first"))
        .as("the stopped job reported no totals")
        .isNull();

    for (int parallelism : new int[] {1, 4}) {
      String run = "resumed-at-" + parallelism;
      ChaosExactlyOnceTest.FINALS.remove(run);
      try (LocalCluster cluster = new LocalCluster(config)) {
        JobClient job =
            cluster.submit(pipeline(run, parallelism, 1_000), config, savepoint.folder());
        assertThat(job.waitForCompletion(Duration.ofSeconds(120)).status())
            .isEqualTo(JobStatus.FINISHED);
      }
      Map<Integer, Long> finals = ChaosExactlyOnceTest.FINALS.get(run);
      assertThat(finals)
          .as("totals after resuming at parallelism %d", parallelism)
          .isNotNull()
          .hasSize(KEYS);
      for (int k = 0; k < KEYS; k++) {
        assertThat(finals.get(k))
            .as("total of key %d at parallelism %d", k, parallelism)
            .isEqualTo(TOTAL / KEYS);
      }
    }
    assertThat(ChaosExactlyOnceTest.ALERTS).as("lost or repeated events").isEmpty();
  }

  static final Map<String, AtomicLong> SIDE_SUMS = new ConcurrentHashMap<>();

  /** Adds every event's sequence number times the side input's value. */
  static final class WithSide extends DoFn<KV<Integer, Long>, Void> {
    private final PCollectionView<Long> factor;
    private final String run;

    WithSide(PCollectionView<Long> factor, String run) {
      this.factor = factor;
      this.run = run;
    }

    @ProcessElement
    public void process(ProcessContext c) {
      SIDE_SUMS
          .computeIfAbsent(run, r -> new AtomicLong())
          .addAndGet(c.element().getValue() * c.sideInput(factor));
    }
  }

  private static JobGraph sidePipeline(String run, long perMilli) {
    WeirPipelineOptions options = streamingOptions(2);
    Pipeline p = Pipeline.create(options);
    PCollectionView<Long> factor =
        p.apply("Factor", Create.of(3L)).apply("AsSingleton", View.asSingleton());
    p.apply("Events", Read.from(new SequencedEventSource(TOTAL, KEYS, 4, perMilli)))
        .apply("Use", ParDo.of(new WithSide(factor, run)).withSideInputs(factor));
    PipelineTranslator.applyOverrides(p);
    return PipelineTranslator.translate(p, "side", TranslationSettings.withParallelism(2), options)
        .jobGraph();
  }

  @Test
  void sideInputPanesAreInTheSavepointSoAResumedJobNeedNotSeeThemAgain() throws Exception {
    EngineConfig config =
        EngineConfig.DEFAULT.withCheckpoints(CheckpointConfig.every(Duration.ZERO, dir));
    SIDE_SUMS.clear();
    CompletedCheckpoint savepoint;
    try (LocalCluster cluster = new LocalCluster(config)) {
      JobClient job = cluster.submit(sidePipeline("side", 2));
      Thread.sleep(1500);
      savepoint = job.stopWithSavepoint().get(60, TimeUnit.SECONDS);
      job.waitForCompletion(Duration.ofSeconds(60));
    }
    long before = SIDE_SUMS.get("side").get();
    try (LocalCluster cluster = new LocalCluster(config)) {
      JobClient job = cluster.submit(sidePipeline("side", 1_000), config, savepoint.folder());
      assertThat(job.waitForCompletion(Duration.ofSeconds(120)).status())
          .isEqualTo(JobStatus.FINISHED);
    }
    long expected = 0;
    for (long n = 0; n < TOTAL; n++) {
      expected += 3 * (n / KEYS);
    }
    // What ran before the savepoint and after it adds up to every event once (the stopped job
    // processed
    // nothing after the savepoint's barrier that the resumed one processes again: the sum is exact
    // only then).
    assertThat(before).as("the first run used the side input").isPositive();
    assertThat(SIDE_SUMS.get("side").get()).isEqualTo(expected);
  }

  /**
   * Per run: total of the per-window sums per key; (key, window) pairs reported twice go to ALERTS.
   */
  static final Map<String, Map<Integer, Long>> WINDOW_SUMS = new ConcurrentHashMap<>();

  static final Set<String> REPORTED = ConcurrentHashMap.newKeySet();

  static final class CollectWindowSums extends DoFn<KV<Integer, Long>, Void> {
    private final String run;

    CollectWindowSums(String run) {
      this.run = run;
    }

    @ProcessElement
    public void process(@Element KV<Integer, Long> sum, BoundedWindow window) {
      if (!REPORTED.add(run + "/" + sum.getKey() + "/" + window)) {
        ChaosExactlyOnceTest.ALERTS.add(
            "key " + sum.getKey() + " window " + window + " reported twice in " + run);
      }
      WINDOW_SUMS
          .computeIfAbsent(run, r -> new ConcurrentHashMap<>())
          .merge(sum.getKey(), sum.getValue(), Long::sum);
    }
  }

  /**
   * Events in 500 ms windows, summed per key by a lifted Combine.perKey (its accumulators in both
   * halves are state).
   */
  private static JobGraph windowedSumPipeline(String run, int parallelism, long perMilli) {
    WeirPipelineOptions options = streamingOptions(parallelism);
    Pipeline p = Pipeline.create(options);
    p.apply("Events", Read.from(new SequencedEventSource(TOTAL, KEYS, 4, perMilli)))
        .apply("Windows", Window.into(FixedWindows.of(org.joda.time.Duration.millis(500))))
        .apply("Sum", Sum.<Integer>longsPerKey())
        .apply("Collect", ParDo.of(new CollectWindowSums(run)));
    PipelineTranslator.applyOverrides(p);
    return PipelineTranslator.translate(
            p, "windowed-sum", TranslationSettings.withParallelism(parallelism), options)
        .jobGraph();
  }

  @Test
  void aLiftedWindowedSumStoppedAtTwoAndResumedAtOneAndFourReportsEachWindowOnceWithExactTotals()
      throws Exception {
    EngineConfig config =
        EngineConfig.DEFAULT.withCheckpoints(CheckpointConfig.every(Duration.ZERO, dir));
    ChaosExactlyOnceTest.ALERTS.clear();
    long[] expected = new long[KEYS];
    for (long n = 0; n < TOTAL; n++) {
      expected[(int) (n % KEYS)] += n / KEYS;
    }
    for (int parallelism : new int[] {1, 4}) {
      String first = "sum-first-" + parallelism;
      CompletedCheckpoint savepoint;
      try (LocalCluster cluster = new LocalCluster(config)) {
        JobClient job = cluster.submit(windowedSumPipeline(first, 2, 2));
        Thread.sleep(1500);
        savepoint = job.stopWithSavepoint().get(60, TimeUnit.SECONDS);
        job.waitForCompletion(Duration.ofSeconds(60));
      }
      String resumed = "sum-resumed-" + parallelism;
      try (LocalCluster cluster = new LocalCluster(config)) {
        JobClient job =
            cluster.submit(
                windowedSumPipeline(resumed, parallelism, 1_000), config, savepoint.folder());
        assertThat(job.waitForCompletion(Duration.ofSeconds(120)).status())
            .isEqualTo(JobStatus.FINISHED);
      }
      Map<Integer, Long> before = WINDOW_SUMS.getOrDefault(first, Map.of());
      Map<Integer, Long> after = WINDOW_SUMS.get(resumed);
      assertThat(before).as("windows completed before the savepoint").isNotEmpty();
      for (int k = 0; k < KEYS; k++) {
        assertThat(before.getOrDefault(k, 0L) + after.getOrDefault(k, 0L))
            .as("sum of key %d resumed at %d", k, parallelism)
            .isEqualTo(expected[k]);
      }
    }
    assertThat(ChaosExactlyOnceTest.ALERTS).as("windows reported twice").isEmpty();
  }

  static final Map<String, AtomicLong> KEYED_SIDE_SUMS = new ConcurrentHashMap<>();

  /**
   * Keyed (it has state): adds every event's sequence number times the side input's value plus one.
   */
  static final class KeyedWithSide extends DoFn<KV<Integer, Long>, Void> {
    private final PCollectionView<Long> factor;
    private final String run;

    @StateId("count")
    private final StateSpec<ValueState<Long>> countSpec = StateSpecs.value(VarLongCoder.of());

    KeyedWithSide(PCollectionView<Long> factor, String run) {
      this.factor = factor;
      this.run = run;
    }

    @ProcessElement
    public void process(ProcessContext c, @StateId("count") ValueState<Long> count) {
      KEYED_SIDE_SUMS
          .computeIfAbsent(run, r -> new AtomicLong())
          .addAndGet(c.element().getValue() * (c.sideInput(factor) + 1));
      Long n = count.read();
      count.write(n == null ? 1 : n + 1);
    }
  }

  /**
   * The side input is ready only when its unbounded source ends (3 s after it starts): events wait
   * for it meanwhile.
   */
  private static JobGraph keyedSidePipeline(String run, int parallelism, long perMilli) {
    WeirPipelineOptions options = streamingOptions(parallelism);
    Pipeline p = Pipeline.create(options);
    PCollectionView<Long> factor =
        p.apply(
                "Factor",
                GenerateSequence.from(0)
                    .withRate(1, org.joda.time.Duration.standardSeconds(60))
                    .withMaxReadTime(org.joda.time.Duration.standardSeconds(3)))
            .apply("AsSingleton", View.asSingleton());
    p.apply("Events", Read.from(new SequencedEventSource(TOTAL, KEYS, 4, perMilli)))
        .apply("Use", ParDo.of(new KeyedWithSide(factor, run)).withSideInputs(factor));
    PipelineTranslator.applyOverrides(p);
    return PipelineTranslator.translate(
            p, "keyed-side", TranslationSettings.withParallelism(parallelism), options)
        .jobGraph();
  }

  @Test
  void elementsOfAKeyedParDoWaitingForSideInputsFollowTheirKeysToAnotherParallelism()
      throws Exception {
    EngineConfig config =
        EngineConfig.DEFAULT.withCheckpoints(CheckpointConfig.every(Duration.ZERO, dir));
    KEYED_SIDE_SUMS.clear();
    CompletedCheckpoint savepoint;
    try (LocalCluster cluster = new LocalCluster(config)) {
      JobClient job = cluster.submit(keyedSidePipeline("keyed-side", 2, 5));
      Thread.sleep(1000);
      savepoint = job.stopWithSavepoint().get(60, TimeUnit.SECONDS);
      job.waitForCompletion(Duration.ofSeconds(60));
    }
    assertThat(KEYED_SIDE_SUMS.get("keyed-side"))
        .as("nothing processed before the side input was ready")
        .isNull();
    try (LocalCluster cluster = new LocalCluster(config)) {
      JobClient job =
          cluster.submit(keyedSidePipeline("keyed-side", 3, 1_000), config, savepoint.folder());
      assertThat(job.waitForCompletion(Duration.ofSeconds(120)).status())
          .isEqualTo(JobStatus.FINISHED);
    }
    long expected = 0;
    for (long n = 0; n < TOTAL; n++) {
      expected += n / KEYS; // the side input is 0, so each event adds its sequence number once
    }
    assertThat(KEYED_SIDE_SUMS.get("keyed-side").get()).isEqualTo(expected);
  }
}
