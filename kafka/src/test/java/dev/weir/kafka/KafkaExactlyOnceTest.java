package dev.weir.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.engine.checkpoint.CheckpointConfig;
import dev.weir.engine.checkpoint.FaultInjector;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Topic to topic with exactly-once under failures: records written to a topic while the job runs
 * are counted per key in 1 s windows and written with the exactly-once sink, checkpoints every 500
 * ms, while tasks are killed at random times (each time after a checkpoint completed since the last
 * kill, so the job makes progress). A {@code read_committed} consumer must see every window's count
 * once and exactly right, and the reader's consumer group must have committed the input's end
 * offsets.
 */
@Timeout(600)
class KafkaExactlyOnceTest {

  private static final int KEYS = 20;
  private static final int RECORDS = 24_000;
  private static final int KILLS = 10;
  private static final Duration CHECKPOINT_INTERVAL = Duration.ofMillis(500);

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  @TempDir Path dir;

  /** A job on an embedded cluster whose running tasks can be failed. */
  private record ChaosJob(
      LocalCluster cluster, JobClient client, Map<String, Consumer<Throwable>> running)
      implements AutoCloseable {
    void failOne(Random random, String why) {
      List<Consumer<Throwable>> tasks = new ArrayList<>(running.values());
      tasks.get(random.nextInt(tasks.size())).accept(new IllegalStateException(why));
    }

    @Override
    public void close() {
      cluster.close();
    }
  }

  private ChaosJob start(
      String name, Duration checkpointInterval, String in, String out, String group)
      throws Exception {
    KAFKA.broker().createTopic(in, 3);
    KAFKA.broker().createTopic(out, 3);
    WeirPipelineOptions options = PipelineOptionsFactory.create().as(WeirPipelineOptions.class);
    options.setRunner(WeirRunner.class);
    options.setStreaming(true);
    options.setParallelism(2);
    options.setJobName(name);
    options.setCheckpointingInterval(checkpointInterval.toMillis());
    Pipeline p = Pipeline.create(options);
    WindowedCountToKafka.build(p, KAFKA.broker().bootstrapServers(), in, out, group);
    PipelineTranslator.applyOverrides(p);
    JobGraph job =
        PipelineTranslator.translate(
                p, name, TranslationSettings.withParallelism(2).checkpointing(true), options)
            .jobGraph();

    Map<String, Consumer<Throwable>> running = new ConcurrentHashMap<>();
    FaultInjector chaos =
        new FaultInjector() {
          @Override
          public void taskRunning(String task, Consumer<Throwable> fail) {
            running.put(task, fail);
          }
        };
    EngineConfig config =
        WeirRunner.engineConfig(options, EngineConfig.DEFAULT)
            .withCheckpoints(
                CheckpointConfig.every(checkpointInterval, dir.resolve(name + "-checkpoints")))
            .withFaults(chaos);
    LocalCluster cluster = new LocalCluster(config);
    try {
      return new ChaosJob(cluster, cluster.submit(job), running);
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  @Test
  void everyWindowCountedOnceUnderTaskFailures() throws Exception {
    String out = "eos-out";
    String group = "eos-reader";
    int killed = 0;
    try (ChaosJob job = start("kafka-eos", CHECKPOINT_INTERVAL, "eos-in", out, group)) {
      CountedInput input = new CountedInput(KAFKA, "eos-in", RECORDS, KEYS);
      input.start();
      Random random = new Random(11);
      long completedAtKill = 0;
      long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
      while ((input.producing() || killed < KILLS) && System.nanoTime() < deadline) {
        Thread.sleep(300 + random.nextInt(700));
        assertThat(job.client().status().isTerminal()).as("the job ended early").isFalse();
        long completed = job.client().checkpointStats().completed();
        if (killed < KILLS
            && job.client().status() == JobStatus.RUNNING
            && completed > completedAtKill
            && !job.running().isEmpty()) {
          completedAtKill = completed;
          job.failOne(random, "chaos: killed at a random time");
          killed++;
        }
      }
      input.finish();
      assertThat(killed).as("tasks killed").isGreaterThanOrEqualTo(KILLS);
      input.assertCountedExactlyOnce(out, group);
      assertThat(job.client().restarts()).as("restarts").isGreaterThanOrEqualTo(KILLS);
      job.client().cancel();
    }
  }

  /**
   * The sink's first transactions commit once the first checkpoint released their records; a
   * failure right after that restores that checkpoint, in which the writer had not yet written
   * anything (checkpoints every 3 s here, so the next one cannot have completed). The restarted
   * writer must recognise those transactions as its own and go on after them (KafkaIO's own sink
   * refuses to, for good, once its producer cache does not hide it: in a new worker JVM).
   */
  @Test
  void aFailureRightAfterTheFirstTransactionsRepeatsNothing() throws Exception {
    String out = "first-out";
    String group = "first-reader";
    try (ChaosJob job = start("kafka-first", Duration.ofSeconds(3), "first-in", out, group)) {
      CountedInput input = new CountedInput(KAFKA, "first-in", 6_000, KEYS);
      input.start();
      KAFKA.topics().readCommitted(out, Duration.ofMinutes(1), r -> !r.isEmpty());
      long completed = job.client().checkpointStats().completed();
      job.failOne(new Random(3), "chaos: killed right after the first transactions");
      System.out.printf(
          "failed a task right after the first output, %d checkpoints in%n", completed);
      input.assertCountedExactlyOnce(out, group);
      assertThat(job.client().restarts()).as("restarts").isEqualTo(1);
      job.client().cancel();
    }
  }
}
