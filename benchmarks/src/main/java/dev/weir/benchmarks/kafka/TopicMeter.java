package dev.weir.benchmarks.kafka;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads a job's output topic as its consumers would ({@code read_committed}, from the beginning)
 * and measures it: when the first record came, when the n-th did, and the end-to-end latency of
 * records whose value is the wall-clock time they were sent at, in microseconds. One thread.
 */
final class TopicMeter implements AutoCloseable {

  private final KafkaConsumer<String, Long> consumer;
  private long count;
  private long firstNanos;
  private long lastNanos;

  TopicMeter(String bootstrap, String topic) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "meter-" + UUID.randomUUID());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000);
    consumer = new KafkaConsumer<>(p, new StringDeserializer(), new LongDeserializer());
    List<TopicPartition> partitions = new ArrayList<>();
    for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
      partitions.add(new TopicPartition(topic, info.partition()));
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
  }

  /** The wall-clock time in microseconds, as the latency runs' producer stamps records. */
  static long nowMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }

  /**
   * Reads until {@code n} records came or {@code timeout} passed.
   *
   * @return the number of records read so far
   */
  long awaitCount(long n, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (count < n && System.nanoTime() < deadline) {
      int got = consumer.poll(Duration.ofMillis(100)).count();
      if (got > 0) {
        long now = System.nanoTime();
        if (count == 0) {
          firstNanos = now;
        }
        lastNanos = now;
        count += got;
      }
    }
    return count;
  }

  /** Records per second from the first record read to the last. */
  double recordsPerSecond() {
    return lastNanos == firstNanos ? 0 : count * 1e9 / (lastNanos - firstNanos);
  }

  /**
   * Reads for {@code duration}, recording the latency of each record whose value (send time in
   * microseconds) is at least {@code sentFromMicros}.
   *
   * @return how many records were measured
   */
  long measureLatency(Histogram micros, long sentFromMicros, Duration duration) {
    long measured = 0;
    long deadline = System.nanoTime() + duration.toNanos();
    while (System.nanoTime() < deadline) {
      long polledAt = 0;
      for (ConsumerRecord<String, Long> r : consumer.poll(Duration.ofMillis(20))) {
        if (polledAt == 0) {
          polledAt = nowMicros();
        }
        count++;
        if (r.value() >= sentFromMicros) {
          micros.recordValue(Math.max(0, polledAt - r.value()));
          measured++;
        }
      }
    }
    return measured;
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(5));
  }
}
