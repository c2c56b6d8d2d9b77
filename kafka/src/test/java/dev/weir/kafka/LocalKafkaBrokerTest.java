package dev.weir.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The local broker supports what an exactly-once sink needs: transactions with offsets. */
@Timeout(120)
class LocalKafkaBrokerTest {

  @Test
  void transactionsCommitRecordsAndConsumerOffsetsTogether() throws Exception {
    try (LocalKafkaBroker broker = LocalKafkaBroker.start()) {
      broker.createTopic("txn-out", 1);
      Properties p = new Properties();
      p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
      p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "txn-test");
      p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
      try (KafkaProducer<String, Long> producer =
          new KafkaProducer<>(p, new StringSerializer(), new LongSerializer())) {
        producer.initTransactions();
        for (long txn = 1; txn <= 3; txn++) {
          producer.beginTransaction();
          producer.send(new ProducerRecord<>("txn-out", "k", txn));
          producer.sendOffsetsToTransaction(
              Map.of(new TopicPartition("txn-out", 0), new OffsetAndMetadata(txn)),
              new ConsumerGroupMetadata("txn-group"));
          producer.commitTransaction();
        }
      }
      List<ConsumerRecord<String, Long>> read =
          new KafkaTopics(broker.bootstrapServers())
              .readCommitted("txn-out", Duration.ofSeconds(30), r -> r.size() >= 3);
      assertThat(read).extracting(ConsumerRecord::value).containsExactly(1L, 2L, 3L);
      assertThat(new KafkaTopics(broker.bootstrapServers()).committedOffsets(broker, "txn-group"))
          .containsEntry(new TopicPartition("txn-out", 0), 3L);
    }
  }
}
