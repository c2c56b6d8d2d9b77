package dev.weir.runner.exactlyonce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.engine.checkpoint.CheckpointConfig;
import dev.weir.engine.checkpoint.CompletedCheckpoint;
import dev.weir.engine.checkpoint.FaultInjector;
import dev.weir.engine.cluster.EngineConfig;
import dev.weir.engine.cluster.JobClient;
import dev.weir.engine.cluster.JobResult;
import dev.weir.engine.cluster.JobStatus;
import dev.weir.engine.cluster.LocalCluster;
import dev.weir.engine.cluster.RestartStrategy;
import dev.weir.runner.WeirPipelineOptions;
import dev.weir.runner.WeirRunner;
import dev.weir.translation.PipelineTranslator;
import dev.weir.translation.context.TranslationSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A DoFn annotated {@code @RequiresStableInput} after a step that is not deterministic (it tags
 * each event with a random number): across failures and restarts it must never see the same event
 * with two different tags, and it must see every event.
 */
class RequiresStableInputTest {

  @TempDir Path checkpoints;

  /** Per run: event id to the tag the stable DoFn saw with it. */
  static final Map<String, Map<Long, Long>> SEEN = new ConcurrentHashMap<>();

  static final List<String> CONFLICTS = new CopyOnWriteArrayList<>();

  /** Tags each event with a fresh random number: replayed after a restore, it tags differently. */
  static final class RandomTag extends DoFn<KV<Integer, Long>, KV<Long, Long>> {
    @ProcessElement
    public void process(@Element KV<Integer, Long> event, OutputReceiver<KV<Long, Long>> out) {
      // The event's global number: key + keys * sequence (see SequencedEventSource).
      out.output(
          KV.of(event.getKey() + 8L * event.getValue(), ThreadLocalRandom.current().nextLong()));
    }
  }

  /** Records what it sees, as a side effect outside the pipeline would. */
  static final class StableRecorder extends DoFn<KV<Long, Long>, Void> {
    private final String run;

    StableRecorder(String run) {
      this.run = run;
    }

    @RequiresStableInput
    @ProcessElement
    public void process(@Element KV<Long, Long> tagged) {
      Long before =
          SEEN.computeIfAbsent(run, r -> new ConcurrentHashMap<>())
              .putIfAbsent(tagged.getKey(), tagged.getValue());
      if (before != null && !before.equals(tagged.getValue())) {
        CONFLICTS.add(
            "event "
                + tagged.getKey()
                + " seen with tag "
                + before
                + " and then "
                + tagged.getValue());
      }
    }
  }

  /** The same, as a stateful DoFn: keyed, so its held elements are keyed state. */
  static final class KeyedStableRecorder extends DoFn<KV<Long, Long>, Void> {
    private final String run;

    @StateId("seen")
    private final StateSpec<ValueState<Long>> seenSpec = StateSpecs.value(VarLongCoder.of());

    KeyedStableRecorder(String run) {
      this.run = run;
    }

    @RequiresStableInput
    @ProcessElement
    public void process(@Element KV<Long, Long> tagged, @StateId("seen") ValueState<Long> seen) {
      Long before =
          SEEN.computeIfAbsent(run, r -> new ConcurrentHashMap<>())
              .putIfAbsent(tagged.getKey(), tagged.getValue());
      if (before != null && !before.equals(tagged.getValue())) {
        CONFLICTS.add(
            "event "
                + tagged.getKey()
                + " seen with tag "
                + before
                + " and then "
                + tagged.getValue());
      }
      seen.write(tagged.getValue());
    }
  }

  private static PipelineTranslator.Translation pipeline(
      String run, boolean keyed, int parallelism, long total, long perMilli) {
    WeirPipelineOptions options = PipelineOptionsFactory.create().as(WeirPipelineOptions.class);
    options.setStreaming(true);
    options.setParallelism(parallelism);
    options.setJobName(run);
    options.setRunner(WeirRunner.class);
    Pipeline p = Pipeline.create(options);
    PCollection<KV<Long, Long>> tagged =
        p.apply("Events", Read.from(new SequencedEventSource(total, 8, 4, perMilli)))
            .apply("Tag", ParDo.of(new RandomTag()));
    if (keyed) {
      tagged.apply("Record", ParDo.of(new KeyedStableRecorder(run)));
    } else {
      tagged.apply("Record", ParDo.of(new StableRecorder(run)));
    }
    PipelineTranslator.applyOverrides(p);
    return PipelineTranslator.translate(
        p, run, TranslationSettings.withParallelism(parallelism).checkpointing(true), options);
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
  void aStableDoFnSeesEachEventWithOneValueAcrossRestarts(boolean keyed) throws Exception {
    long total = 40_000;
    String run = keyed ? "stable-input-keyed" : "stable-input";
    SEEN.remove(run);
    CONFLICTS.clear();
    PipelineTranslator.Translation translation = pipeline(run, keyed, 2, total, 2);

    Map<String, Consumer<Throwable>> running = new ConcurrentHashMap<>();
    EngineConfig config =
        EngineConfig.DEFAULT
            .withCheckpoints(CheckpointConfig.every(Duration.ofMillis(50), checkpoints))
            .withRestartStrategy(RestartStrategy.fixedDelay(50, Duration.ofMillis(10)))
            .withFaults(
                new FaultInjector() {
                  @Override
                  public void taskRunning(String task, Consumer<Throwable> fail) {
                    running.put(task, fail);
                  }
                });
    int killed = 0;
    try (LocalCluster cluster = new LocalCluster(config)) {
      JobClient job = cluster.submit(translation.jobGraph());
      Random random = new Random(11);
      while (!job.status().isTerminal() && killed < 8) {
        Thread.sleep(150 + random.nextInt(100));
        List<Consumer<Throwable>> tasks = new ArrayList<>(running.values());
        if (job.status() == JobStatus.RUNNING && !tasks.isEmpty()) {
          tasks
              .get(random.nextInt(tasks.size()))
              .accept(new IllegalStateException("test: killed at a random time"));
          killed++;
        }
      }
      JobResult result = job.waitForCompletion(Duration.ofMinutes(2));
      assertThat(result.status()).isEqualTo(JobStatus.FINISHED);
      assertThat(job.restarts()).as("restarts").isPositive();
    }
    assertThat(CONFLICTS).as("events the stable DoFn saw with two different values").isEmpty();
    assertThat(SEEN.get(run)).as("events seen").hasSize((int) total);
  }

  @Test
  void heldElementsOfAKeyedStableDoFnFollowTheirKeysWhenASavepointResumesAtAnotherParallelism()
      throws Exception {
    long total = 40_000;
    String run = "stable-rescaled";
    SEEN.remove(run);
    CONFLICTS.clear();
    EngineConfig config =
        EngineConfig.DEFAULT.withCheckpoints(
            CheckpointConfig.every(Duration.ofMillis(100), checkpoints));
    CompletedCheckpoint savepoint;
    try (LocalCluster cluster = new LocalCluster(config)) {
      JobClient job = cluster.submit(pipeline(run, true, 2, total, 2).jobGraph());
      Thread.sleep(1200);
      savepoint = job.stopWithSavepoint().get(60, TimeUnit.SECONDS);
      assertThat(job.waitForCompletion(Duration.ofSeconds(60)).status())
          .isEqualTo(JobStatus.FINISHED);
    }
    int seenBefore = SEEN.getOrDefault(run, Map.of()).size();
    assertThat(seenBefore)
        .as("events recorded before the savepoint")
        .isPositive()
        .isLessThan((int) total);
    try (LocalCluster cluster = new LocalCluster(config)) {
      JobClient job =
          cluster.submit(
              pipeline(run, true, 3, total, 1_000).jobGraph(), config, savepoint.folder());
      assertThat(job.waitForCompletion(Duration.ofSeconds(120)).status())
          .isEqualTo(JobStatus.FINISHED);
    }
    assertThat(CONFLICTS).as("events seen with two different values").isEmpty();
    assertThat(SEEN.get(run)).as("events seen").hasSize((int) total);
  }
}
