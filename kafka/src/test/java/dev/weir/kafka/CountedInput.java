package dev.weir.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The input of the exactly-once tests and their check: records written to a topic of three
 * partitions at about 2,000 a second while the job runs, {@code key -> ordinal} with keys {@code
 * k0..k(keys-1)} and the send time as create time; what {@link WindowedCountToKafka} must write is
 * computed from what was sent. Started by {@link #start}, awaited by {@link #finish}.
 */
final class CountedInput {

  private final KafkaBroker kafka;
  private final String topic;
  private final int records;
  private final int keys;
  private final Map<String, Long> expected = new HashMap<>();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final Thread producing;

  CountedInput(KafkaBroker kafka, String topic, int records, int keys) {
    this.kafka = kafka;
    this.topic = topic;
    this.records = records;
    this.keys = keys;
    this.producing = new Thread(this::produce, "counted-input-" + topic);
  }

  void start() {
    producing.start();
  }

  boolean producing() {
    return producing.isAlive();
  }

  private void produce() {
    try (KafkaProducer<String, Long> producer = kafka.topics().producer()) {
      for (int i = 0; i < records; i++) {
        String key = "k" + (i % keys);
        long now = System.currentTimeMillis();
        producer.send(new ProducerRecord<>(topic, i % 3, now, key, (long) i));
        synchronized (expected) {
          expected.merge(WindowedCountToKafka.windowKey(key, now), 1L, Long::sum);
        }
        if (i % 200 == 199) {
          producer.flush();
          Thread.sleep(100); // 2,000 records/s
        }
      }
      producer.flush();
    } catch (Throwable e) {
      failure.set(e);
    }
  }

  /** Waits until every record was sent; the window counts they make. */
  Map<String, Long> finish() throws InterruptedException {
    producing.join();
    assertThat(failure.get()).as("writing the input").isNull();
    synchronized (expected) {
      return new HashMap<>(expected);
    }
  }

  /**
   * A {@code read_committed} consumer of {@code out} sees each window's count once and exactly
   * right, and {@code group} committed the input's end offsets (within a minute).
   */
  void assertCountedExactlyOnce(String out, String group) throws Exception {
    Map<String, Long> want = finish();
    // Until every window arrived, then once more over the whole topic, a little longer: a
    // duplicate would come after the expected number.
    kafka.topics().readCommitted(out, Duration.ofMinutes(2), r -> r.size() >= want.size());
    Map<String, Long> seen = new HashMap<>();
    List<String> duplicates = new ArrayList<>();
    for (ConsumerRecord<String, Long> r :
        kafka.topics().readCommitted(out, Duration.ofSeconds(5), x -> false)) {
      if (seen.put(r.key(), r.value()) != null) {
        duplicates.add(r.key());
      }
    }
    assertThat(duplicates).as("window counts written twice").isEmpty();
    assertThat(seen).isEqualTo(want);

    // Offsets are committed when checkpoints complete: they reach the input's end.
    Map<TopicPartition, Long> end = kafka.topics().endOffsets(topic);
    long waitUntil = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    Map<TopicPartition, Long> committed = kafka.topics().committedOffsets(kafka.broker(), group);
    while (!committed.equals(end) && System.nanoTime() < waitUntil) {
      Thread.sleep(200);
      committed = kafka.topics().committedOffsets(kafka.broker(), group);
    }
    assertThat(committed).as("offsets committed by " + group).isEqualTo(end);
  }
}
