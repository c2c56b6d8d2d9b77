package dev.weir.runner.exactlyonce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.engine.checkpoint.CheckpointConfig;
import dev.weir.engine.checkpoint.FaultInjector;
import dev.weir.engine.cluster.EngineConfig;
import dev.weir.engine.cluster.JobClient;
import dev.weir.engine.cluster.JobResult;
import dev.weir.engine.cluster.JobStatus;
import dev.weir.engine.cluster.LocalCluster;
import dev.weir.engine.cluster.RestartStrategy;
import dev.weir.runner.WeirPipelineOptions;
import dev.weir.translation.PipelineTranslator;
import dev.weir.translation.TranslationSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The state machine under a chaos monkey, on Beam: events carrying per-key sequence numbers go
 * through event-time windows and GroupByKey into a stateful ParDo that checks, per key, that the
 * sequence continues exactly where it left off (a lost event or a replay into state already
 * holding it raises an alert) and reports each key's final count when the input ends. Tasks are
 * killed at random times, while aligning barriers and while writing snapshots; the job restarts
 * from its latest checkpoint each time. Afterwards there is no alert and every key's count is
 * exact.
 */
class ChaosExactlyOnceTest {

  private static final int KEYS = 40;
  static final Map<String, Map<Integer, Long>> FINALS = new ConcurrentHashMap<>();
  static final List<String> ALERTS = new CopyOnWriteArrayList<>();

  @TempDir
  Path checkpoints;

  /** Per key: the next expected sequence number; alerts on any gap or repeat; the final count at the end. */
  static final class StateMachine extends DoFn<KV<Integer, Iterable<Long>>, KV<Integer, Long>> {
    @StateId("next")
    private final StateSpec<ValueState<Long>> nextSpec = StateSpecs.value();

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<Long>> events, @StateId("next") ValueState<Long> next) {
      List<Long> sequence = new ArrayList<>();
      events.getValue().forEach(sequence::add);
      sequence.sort(null);
      Long stored = next.read();
      long expected = stored == null ? 0 : stored;
      for (long seq : sequence) {
        if (seq != expected) {
          ALERTS.add("key " + events.getKey() + ": expected event " + expected + ", got " + seq);
        }
        expected = seq + 1;
      }
      next.write(expected);
    }

    @OnWindowExpiration
    public void end(@Key Integer key, @StateId("next") ValueState<Long> next, OutputReceiver<KV<Integer, Long>> out) {
      Long count = next.read();
      out.output(KV.of(key, count == null ? 0 : count));
    }
  }

  /** Writes each key's final count, idempotently (the key is the identity of the record). */
  static final class FinalCounts extends DoFn<KV<Integer, Long>, Void> {
    private final String run;

    FinalCounts(String run) {
      this.run = run;
    }

    @ProcessElement
    public void process(@Element KV<Integer, Long> count) {
      FINALS.computeIfAbsent(run, r -> new ConcurrentHashMap<>()).put(count.getKey(), count.getValue());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"heap", "rocksdb"})
  void stateMachinesSeeEveryEventExactlyOnceDespiteTwentyFailures(String backend) throws Exception {
    long total = 160_000;
    String run = "chaos-" + backend;
    ALERTS.clear();
    FINALS.remove(run);

    WeirPipelineOptions options = PipelineOptionsFactory.create().as(WeirPipelineOptions.class);
    options.setStreaming(true);
    options.setParallelism(2);
    options.setJobName(run);
    options.setRunner(dev.weir.runner.WeirRunner.class);
    Pipeline p = Pipeline.create(options);
    p.apply("Events", Read.from(new SequencedEventSource(total, KEYS, 4, 12)))
        .apply("Windows", Window.into(FixedWindows.of(org.joda.time.Duration.millis(500))))
        .apply("Group", GroupByKey.create())
        .apply("Global", Window.into(new GlobalWindows()))
        .apply("StateMachine", ParDo.of(new StateMachine()))
        .apply("Sink", ParDo.of(new FinalCounts(run)));
    PipelineTranslator.applyOverrides(p);
    PipelineTranslator.Translation translation = PipelineTranslator.translate(p, run, new TranslationSettings(2, 128, 1000, 1000, true), options);

    Map<String, Consumer<Throwable>> running = new ConcurrentHashMap<>();
    AtomicInteger alignmentFailures = new AtomicInteger();
    AtomicInteger asyncFailures = new AtomicInteger();
    AtomicInteger alignments = new AtomicInteger();
    AtomicInteger writes = new AtomicInteger();
    FaultInjector chaos = new FaultInjector() {
      @Override
      public void taskRunning(String task, Consumer<Throwable> fail) {
        running.put(task, fail);
      }

      @Override
      public void alignmentStarted(String task, long checkpointId) {
        if (alignmentFailures.get() < 4 && alignments.incrementAndGet() % 11 == 0) {
          alignmentFailures.incrementAndGet();
          throw new IllegalStateException("chaos: killed " + task + " while aligning checkpoint " + checkpointId);
        }
      }

      @Override
      public void asyncSnapshot(String task, long checkpointId) {
        if (asyncFailures.get() < 4 && writes.incrementAndGet() % 23 == 0) {
          asyncFailures.incrementAndGet();
          throw new IllegalStateException("chaos: killed " + task + " while writing checkpoint " + checkpointId);
        }
      }
    };
    EngineConfig config = EngineConfig.DEFAULT
        .withCheckpoints(CheckpointConfig.every(Duration.ofMillis(40), checkpoints))
        .withRestartStrategy(RestartStrategy.fixedDelay(200, Duration.ofMillis(10)))
        .withFaults(chaos);
    if (backend.equals("rocksdb")) {
      config = config.withStateBackend(new dev.weir.state.rocksdb.RocksDbStateBackendFactory(checkpoints.resolve("rocksdb")));
    }

    int killed = 0;
    try (LocalCluster cluster = new LocalCluster(config)) {
      JobClient job = cluster.submit(translation.jobGraph());
      Random random = new Random(7);
      while (!job.status().isTerminal() && job.restarts() < 24) {
        Thread.sleep(100 + random.nextInt(150));
        List<Consumer<Throwable>> tasks = new ArrayList<>(running.values());
        if (job.status() == JobStatus.RUNNING && !tasks.isEmpty()) {
          tasks.get(random.nextInt(tasks.size())).accept(new IllegalStateException("chaos: killed at a random time"));
          killed++;
        }
      }
      JobResult result = job.waitForCompletion(Duration.ofMinutes(4));
      assertThat(result.status()).isEqualTo(JobStatus.FINISHED);
      assertThat(killed).as("tasks killed at random times").isPositive();
      assertThat(alignmentFailures.get()).as("failures while aligning").isPositive();
      assertThat(asyncFailures.get()).as("failures while writing snapshots").isPositive();
      assertThat(killed + alignmentFailures.get() + asyncFailures.get()).as("failures injected").isGreaterThanOrEqualTo(20);
      assertThat(job.restarts()).as("restarts").isGreaterThanOrEqualTo(20);
    }

    assertThat(ALERTS).as("state machine alerts (lost or repeated events)").isEmpty();
    Map<Integer, Long> finals = FINALS.get(run);
    assertThat(finals).as("final counts").isNotNull().hasSize(KEYS);
    for (int k = 0; k < KEYS; k++) {
      assertThat(finals.get(k)).as("final count of key %d", k).isEqualTo(total / KEYS);
    }
  }
}
