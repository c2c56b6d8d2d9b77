package dev.weir.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.runner.WeirPipelineResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.kafka.TimestampPolicyFactory;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Streaming jobs reading Kafka on WeirRunner: a partition that receives nothing does not hold event
 * time back (create-time policy), and a job stopped with a savepoint and resumed from it counts
 * every record once.
 */
@Timeout(300)
class KafkaStreamingTest {

  private static final int KEYS = 10;

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  @TempDir Path dir;

  private Pipeline pipeline(String in, String out, String group, String... extra) {
    return pipeline(true, WindowedCountToKafka.CREATE_TIME, in, out, group, extra);
  }

  private Pipeline pipeline(
      boolean exactlyOnce,
      TimestampPolicyFactory<String, Long> timestamps,
      String in,
      String out,
      String group,
      String... extra) {
    String[] base = {
      "--runner=WeirRunner",
      "--streaming=true",
      "--parallelism=2",
      "--checkpointingInterval=500",
      "--checkpointDir=" + dir.resolve("checkpoints")
    };
    String[] args = new String[base.length + extra.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    Pipeline p = Pipeline.create(PipelineOptionsFactory.fromArgs(args).create());
    WindowedCountToKafka.build(
        p, KAFKA.broker().bootstrapServers(), in, out, group, exactlyOnce, timestamps);
    return p;
  }

  /**
   * Writes {@code n} records to the given partitions (round robin), counting them by the window of
   * the timestamp the broker kept (the create time, or the append time on a log-append topic).
   */
  private static void produce(
      String topic, int from, int n, int[] partitions, Map<String, Long> expected)
      throws Exception {
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    try (KafkaProducer<String, Long> producer = KAFKA.topics().producer()) {
      for (int i = from; i < from + n; i++) {
        String key = "k" + (i % KEYS);
        sent.add(
            producer.send(
                new ProducerRecord<>(
                    topic,
                    partitions[i % partitions.length],
                    System.currentTimeMillis(),
                    key,
                    (long) i)));
        keys.add(key);
        if (i % 100 == 99) {
          producer.flush();
          Thread.sleep(20);
        }
      }
      producer.flush();
    }
    for (int i = 0; i < sent.size(); i++) {
      long timestamp = sent.get(i).get().timestamp();
      expected.merge(WindowedCountToKafka.windowKey(keys.get(i), timestamp), 1L, Long::sum);
    }
  }

  private static Map<String, Long> windowCounts(List<ConsumerRecord<String, Long>> records) {
    Map<String, Long> seen = new HashMap<>();
    for (ConsumerRecord<String, Long> r : records) {
      assertThat(seen.put(r.key(), r.value())).as("a second count of " + r.key()).isNull();
    }
    return seen;
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"log-append time", "create time"})
  void anIdlePartitionDoesNotHoldWindowsBack(String time) throws Exception {
    boolean logAppend = time.equals("log-append time");
    String in = logAppend ? "idle-append-in" : "idle-create-in";
    String out = logAppend ? "idle-append-out" : "idle-create-out";
    KAFKA
        .broker()
        .createTopic(
            in, 3, logAppend ? Map.of("message.timestamp.type", "LogAppendTime") : Map.of());
    KAFKA.broker().createTopic(out, 1);
    Map<String, Long> expected = new HashMap<>();
    // What a user configures: KafkaIO's log-append time (an idle partition's watermark follows the
    // clock), or create time with CreateTimeWithIdlePartitions (KafkaIO's withCreateTime holds a
    // partition that never had a record at the beginning of time).
    TimestampPolicyFactory<String, Long> timestamps =
        logAppend ? TimestampPolicyFactory.withLogAppendTime() : WindowedCountToKafka.CREATE_TIME;
    PipelineResult result = pipeline(false, timestamps, in, out, time + "-reader").run();
    try {
      // Partition 2 receives nothing, ever.
      produce(in, 0, 2_000, new int[] {0, 1}, expected);
      List<ConsumerRecord<String, Long>> counts =
          KAFKA
              .topics()
              .readCommitted(out, Duration.ofSeconds(90), r -> r.size() >= expected.size());
      assertThat(windowCounts(counts)).isEqualTo(expected);
      assertThat(result.getState()).isEqualTo(PipelineResult.State.RUNNING);
    } finally {
      result.cancel();
    }
  }

  @Test
  void stopWithSavepointAndResumeCountsEveryRecordOnce() throws Exception {
    String in = "resume-in";
    String out = "resume-out";
    String group = "resume-reader";
    KAFKA.broker().createTopic(in, 3);
    KAFKA.broker().createTopic(out, 2); // a partition per exactly-once shard at least
    Map<String, Long> expected = new HashMap<>();
    int[] all = {0, 1, 2};

    WeirPipelineResult first = (WeirPipelineResult) pipeline(in, out, group).run();
    produce(in, 0, 3_000, all, expected);
    // Some windows are out, the latest are still open when the job stops.
    KAFKA.topics().readCommitted(out, Duration.ofSeconds(60), r -> !r.isEmpty());
    Path savepoint = first.stopWithSavepoint().get(60, TimeUnit.SECONDS);
    assertThat(first.waitUntilFinish()).isEqualTo(PipelineResult.State.DONE);

    produce(in, 3_000, 3_000, all, expected);
    PipelineResult second = pipeline(in, out, group, "--savepointPath=" + savepoint).run();
    try {
      List<ConsumerRecord<String, Long>> counts =
          KAFKA
              .topics()
              .readCommitted(out, Duration.ofSeconds(90), r -> r.size() >= expected.size());
      // A little longer: a count written twice would come after the expected number.
      counts = KAFKA.topics().readCommitted(out, Duration.ofSeconds(3), r -> false);
      assertThat(windowCounts(counts)).isEqualTo(expected);
    } finally {
      second.cancel();
    }
  }
}
