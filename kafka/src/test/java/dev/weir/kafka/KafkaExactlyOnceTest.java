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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Topic to topic with exactly-once under failures: records written to a topic while the job runs
 * are counted per key in 1 s windows and written with KafkaIO's exactly-once sink, checkpoints
 * every 500 ms, while tasks are killed at random times (each time after a checkpoint completed
 * since the last kill, so the job makes progress). A {@code read_committed} consumer must see every
 * window's count once and exactly right, and the reader's consumer group must have committed the
 * input's end offsets.
 */
@Timeout(600)
class KafkaExactlyOnceTest {

  private static final int KEYS = 20;
  private static final int RECORDS = 24_000;
  private static final int KILLS = 10;
  private static final Duration CHECKPOINT_INTERVAL = Duration.ofMillis(500);

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  @TempDir Path dir;

  @Test
  void everyWindowCountedOnceUnderTaskFailures() throws Exception {
    String in = "eos-in";
    String out = "eos-out";
    String group = "eos-reader";
    KAFKA.broker().createTopic(in, 3);
    KAFKA.broker().createTopic(out, 3);

    WeirPipelineOptions options = PipelineOptionsFactory.create().as(WeirPipelineOptions.class);
    options.setRunner(WeirRunner.class);
    options.setStreaming(true);
    options.setParallelism(2);
    options.setJobName("kafka-eos");
    options.setCheckpointingInterval(CHECKPOINT_INTERVAL.toMillis());
    Pipeline p = Pipeline.create(options);
    WindowedCountToKafka.build(p, KAFKA.broker().bootstrapServers(), in, out, group);
    PipelineTranslator.applyOverrides(p);
    JobGraph job =
        PipelineTranslator.translate(
                p, "kafka-eos", TranslationSettings.withParallelism(2).checkpointing(true), options)
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
                CheckpointConfig.every(CHECKPOINT_INTERVAL, dir.resolve("checkpoints")))
            .withFaults(chaos);

    Map<String, Long> expected = new HashMap<>();
    AtomicReference<Throwable> producerFailure = new AtomicReference<>();
    Thread producing =
        new Thread(
            () -> {
              try (KafkaProducer<String, Long> producer = KAFKA.topics().producer()) {
                for (int i = 0; i < RECORDS; i++) {
                  String key = "k" + (i % KEYS);
                  long now = System.currentTimeMillis();
                  producer.send(new ProducerRecord<>(in, i % 3, now, key, (long) i));
                  synchronized (expected) {
                    expected.merge(WindowedCountToKafka.windowKey(key, now), 1L, Long::sum);
                  }
                  if (i % 200 == 199) {
                    producer.flush();
                    Thread.sleep(100); // about 15 s of input, 2,000 records/s
                  }
                }
                producer.flush();
              } catch (Throwable e) {
                producerFailure.set(e);
              }
            },
            "kafka-eos-input");

    int killed = 0;
    try (LocalCluster cluster = new LocalCluster(config)) {
      JobClient client = cluster.submit(job);
      producing.start();
      Random random = new Random(11);
      long completedAtKill = 0;
      long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
      while ((producing.isAlive() || killed < KILLS) && System.nanoTime() < deadline) {
        Thread.sleep(300 + random.nextInt(700));
        assertThat(client.status().isTerminal()).as("the job ended early").isFalse();
        long completed = client.checkpointStats().completed();
        List<Consumer<Throwable>> tasks = new ArrayList<>(running.values());
        if (killed < KILLS
            && client.status() == JobStatus.RUNNING
            && completed > completedAtKill
            && !tasks.isEmpty()) {
          completedAtKill = completed;
          tasks
              .get(random.nextInt(tasks.size()))
              .accept(new IllegalStateException("chaos: killed at a random time"));
          killed++;
        }
      }
      producing.join();
      assertThat(producerFailure.get()).isNull();
      assertThat(killed).as("tasks killed").isGreaterThanOrEqualTo(KILLS);

      Map<String, Long> want;
      synchronized (expected) {
        want = new HashMap<>(expected);
      }
      // Until every window arrived, then once more over the whole topic, a little longer: a
      // duplicate would come after the expected number.
      KAFKA.topics().readCommitted(out, Duration.ofMinutes(2), r -> r.size() >= want.size());
      Map<String, Long> seen = new HashMap<>();
      List<String> duplicates = new ArrayList<>();
      for (ConsumerRecord<String, Long> r :
          KAFKA.topics().readCommitted(out, Duration.ofSeconds(5), x -> false)) {
        if (seen.put(r.key(), r.value()) != null) {
          duplicates.add(r.key());
        }
      }
      assertThat(duplicates).as("window counts written twice").isEmpty();
      assertThat(seen).isEqualTo(want);
      assertThat(client.restarts()).as("restarts").isGreaterThanOrEqualTo(KILLS);

      // Offsets are committed when checkpoints complete: they reach the input's end.
      Map<TopicPartition, Long> end = KAFKA.topics().endOffsets(in);
      long waitUntil = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      Map<TopicPartition, Long> committed = KAFKA.topics().committedOffsets(KAFKA.broker(), group);
      while (!committed.equals(end) && System.nanoTime() < waitUntil) {
        Thread.sleep(200);
        committed = KAFKA.topics().committedOffsets(KAFKA.broker(), group);
      }
      assertThat(committed).as("offsets committed by " + group).isEqualTo(end);
      client.cancel();
    }
  }
}
