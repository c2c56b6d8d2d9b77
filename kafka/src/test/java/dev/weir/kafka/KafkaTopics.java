package dev.weir.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Plain Kafka clients the tests write input and read output with. */
final class KafkaTopics {

  private final String bootstrapServers;

  KafkaTopics(String bootstrapServers) {
    this.bootstrapServers = bootstrapServers;
  }

  /** A producer of String keys and Long values; the caller closes it. */
  KafkaProducer<String, Long> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    return new KafkaProducer<>(p, new StringSerializer(), new LongSerializer());
  }

  /** Writes {@code records} to {@code topic} and waits until the broker has all of them. */
  void produce(String topic, List<ProducerRecord<String, Long>> records) throws Exception {
    try (KafkaProducer<String, Long> producer = producer()) {
      for (ProducerRecord<String, Long> r : records) {
        producer.send(r);
      }
      producer.flush();
    }
  }

  /**
   * Everything in {@code topic} a {@code read_committed} consumer sees, read until {@code done}
   * holds for what was read or {@code timeout} passed (then what there is).
   */
  List<ConsumerRecord<String, Long>> readCommitted(
      String topic, Duration timeout, Predicate<List<ConsumerRecord<String, Long>>> done) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "verifier-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<ConsumerRecord<String, Long>> all = new ArrayList<>();
    try (KafkaConsumer<String, Long> consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new LongDeserializer())) {
      List<TopicPartition> partitions = partitionsOf(consumer, topic);
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline && !done.test(all)) {
        consumer.poll(Duration.ofMillis(200)).forEach(all::add);
      }
    }
    return all;
  }

  /** The offsets {@code group} committed for {@code topic}'s partitions (absent: none). */
  Map<TopicPartition, Long> committedOffsets(LocalKafkaBroker broker, String group)
      throws Exception {
    Map<TopicPartition, Long> offsets = new java.util.HashMap<>();
    try (var admin = broker.admin()) {
      admin
          .listConsumerGroupOffsets(group)
          .partitionsToOffsetAndMetadata()
          .get()
          .forEach((tp, o) -> offsets.put(tp, o == null ? -1 : o.offset()));
    }
    return offsets;
  }

  /** The end offset of each partition of {@code topic}. */
  Map<TopicPartition, Long> endOffsets(String topic) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    try (KafkaConsumer<String, Long> consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new LongDeserializer())) {
      List<TopicPartition> partitions = partitionsOf(consumer, topic);
      return consumer.endOffsets(partitions);
    }
  }

  private static List<TopicPartition> partitionsOf(KafkaConsumer<?, ?> consumer, String topic) {
    List<TopicPartition> partitions = new ArrayList<>();
    consumer
        .partitionsFor(topic)
        .forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
    return partitions;
  }
}
