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
import dev.weir.engine.graph.JobGraph;
import dev.weir.runner.WeirPipelineOptions;
import dev.weir.runner.WeirRunner;
import dev.weir.state.rocksdb.RocksDbStateBackendFactory;
import dev.weir.translation.PipelineTranslator;
import dev.weir.translation.context.TranslationSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Runs a job with a checkpoint every 40 ms under a number of injected failures: tasks killed at
 * random times, while aligning barriers and while writing snapshots, each followed by a restart
 * from the latest checkpoint. Writing a snapshot is slowed down (as by a slow disk), so the task
 * processes records after the barrier while the snapshot of the state before it is still being
 * written. The job must finish.
 */
final class ChaosMonkey {

  private static final Duration CHECKPOINT_INTERVAL = Duration.ofMillis(40);
  private static final long SLOW_WRITE_MILLIS = 15;

  private ChaosMonkey() {}

  /**
   * A streaming pipeline at parallelism 2 whose job is named {@code run}, to {@link #translate}.
   */
  static Pipeline streamingPipeline(String run) {
    WeirPipelineOptions options = PipelineOptionsFactory.create().as(WeirPipelineOptions.class);
    options.setStreaming(true);
    options.setParallelism(2);
    options.setJobName(run);
    options.setRunner(WeirRunner.class);
    return Pipeline.create(options);
  }

  /**
   * The job graph of a pipeline from {@link #streamingPipeline}, translated for periodic
   * checkpoints.
   */
  static JobGraph translate(Pipeline p) {
    PipelineTranslator.applyOverrides(p);
    String run = p.getOptions().getJobName();
    return PipelineTranslator.translate(
            p, run, TranslationSettings.withParallelism(2).checkpointing(true), p.getOptions())
        .jobGraph();
  }

  /**
   * The restart strategy a user gets who turns checkpointing on and sets nothing else about
   * restarts.
   */
  static RestartStrategy defaultRestarts() {
    WeirPipelineOptions options = PipelineOptionsFactory.create().as(WeirPipelineOptions.class);
    options.setCheckpointingInterval(CHECKPOINT_INTERVAL.toMillis());
    return WeirRunner.engineConfig(options, EngineConfig.DEFAULT).restartStrategy();
  }

  /**
   * Runs {@code job} on {@code backend} ("heap" or "rocksdb") under at least {@code failures}
   * injected failures, restarted as {@code restarts} says, until it finishes.
   */
  static void run(
      JobGraph job, String backend, Path checkpoints, RestartStrategy restarts, int failures)
      throws Exception {
    Map<String, Consumer<Throwable>> running = new ConcurrentHashMap<>();
    AtomicInteger alignmentFailures = new AtomicInteger();
    AtomicInteger asyncFailures = new AtomicInteger();
    AtomicInteger alignments = new AtomicInteger();
    AtomicInteger writes = new AtomicInteger();
    FaultInjector chaos =
        new FaultInjector() {
          @Override
          public void taskRunning(String task, Consumer<Throwable> fail) {
            running.put(task, fail);
          }

          @Override
          public void alignmentStarted(String task, long checkpointId) {
            if (alignmentFailures.get() < 4 && alignments.incrementAndGet() % 11 == 0) {
              alignmentFailures.incrementAndGet();
              throw new IllegalStateException(
                  "chaos: killed " + task + " while aligning checkpoint " + checkpointId);
            }
          }

          @Override
          public void asyncSnapshot(String task, long checkpointId) throws InterruptedException {
            if (asyncFailures.get() < 4 && writes.incrementAndGet() % 23 == 0) {
              asyncFailures.incrementAndGet();
              throw new IllegalStateException(
                  "chaos: killed " + task + " while writing checkpoint " + checkpointId);
            }
            Thread.sleep(SLOW_WRITE_MILLIS);
          }
        };
    EngineConfig config =
        EngineConfig.DEFAULT
            .withCheckpoints(CheckpointConfig.every(CHECKPOINT_INTERVAL, checkpoints))
            .withRestartStrategy(restarts)
            .withFaults(chaos);
    if (backend.equals("rocksdb")) {
      config =
          config.withStateBackend(new RocksDbStateBackendFactory(checkpoints.resolve("rocksdb")));
    }

    int killed = 0;
    try (LocalCluster cluster = new LocalCluster(config)) {
      JobClient client = cluster.submit(job);
      Random random = new Random(7);
      long completedAtKill = -1;
      while (!client.status().isTerminal()
          && (killed + alignmentFailures.get() + asyncFailures.get() < failures
              || client.restarts() < failures)) {
        Thread.sleep(100 + random.nextInt(150));
        List<Consumer<Throwable>> tasks = new ArrayList<>(running.values());
        long completed = client.checkpointStats().completed();
        // A transient failure of a job that works: it made progress since the last one.
        if (client.status() == JobStatus.RUNNING
            && !tasks.isEmpty()
            && completed > completedAtKill) {
          completedAtKill = completed;
          tasks
              .get(random.nextInt(tasks.size()))
              .accept(new IllegalStateException("chaos: killed at a random time"));
          killed++;
        }
      }
      SequencedEventSource.unthrottle(job.name());
      JobResult result = client.waitForCompletion(Duration.ofMinutes(5));
      assertThat(result.status()).isEqualTo(JobStatus.FINISHED);
      assertThat(killed).as("tasks killed at random times").isPositive();
      assertThat(alignmentFailures.get()).as("failures while aligning").isPositive();
      assertThat(asyncFailures.get()).as("failures while writing snapshots").isPositive();
      assertThat(killed + alignmentFailures.get() + asyncFailures.get())
          .as("failures injected")
          .isGreaterThanOrEqualTo(failures);
      assertThat(client.restarts()).as("restarts").isGreaterThanOrEqualTo(failures);
      assertThat(client.checkpointStats().completed()).as("checkpoints completed").isPositive();
    }
  }
}
