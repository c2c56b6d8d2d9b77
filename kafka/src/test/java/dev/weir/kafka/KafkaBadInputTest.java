package dev.weir.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Count;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Bad input to KafkaIO on WeirRunner ends the run with a message naming where: an unreachable
 * broker (its address), a record the user's deserializer cannot read (topic, partition, offset).
 */
@Timeout(180)
class KafkaBadInputTest {

  /** Reads 8-byte longs; refuses the value 13, as a deserializer meeting a bad record would. */
  public static final class PickyLongDeserializer implements Deserializer<Long> {
    @Override
    public Long deserialize(String topic, byte[] data) {
      long value = ByteBuffer.wrap(data).getLong();
      if (value == 13) {
        throw new SerializationException("cannot read a 13");
      }
      return value;
    }
  }

  @Test
  void anUnreachableBrokerFailsTheRunNamingItsAddress() {
    Pipeline p =
        Pipeline.create(
            PipelineOptionsFactory.fromArgs("--runner=WeirRunner", "--parallelism=1").create());
    p.apply(
            KafkaIO.<String, String>read()
                .withBootstrapServers("127.0.0.1:1")
                .withTopic("nowhere")
                .withKeyDeserializer(StringDeserializer.class)
                .withValueDeserializer(StringDeserializer.class)
                // Kafka's clients wait default.api.timeout.ms (60 s) for metadata; shorter here.
                .withConsumerConfigUpdates(
                    Map.of("default.api.timeout.ms", 3_000, "request.timeout.ms", 3_000))
                .withMaxNumRecords(10)
                .withoutMetadata())
        .apply(Count.perKey());
    long start = System.nanoTime();
    assertThatThrownBy(() -> p.run().waitUntilFinish())
        .hasMessageContaining("127.0.0.1:1")
        .hasMessageContaining("nowhere");
    assertThat((System.nanoTime() - start) / 1_000_000_000L).isLessThan(60);
  }

  @Test
  void aRecordTheDeserializerRefusesFailsTheJobNamingTopicPartitionAndOffset() throws Exception {
    try (LocalKafkaBroker broker = LocalKafkaBroker.start()) {
      broker.createTopic("picky", 1);
      List<ProducerRecord<String, Long>> records = new ArrayList<>();
      for (long i = 0; i < 20; i++) {
        records.add(new ProducerRecord<>("picky", 0, "k", i));
      }
      new KafkaTopics(broker.bootstrapServers()).produce("picky", records);
      Pipeline p =
          Pipeline.create(
              PipelineOptionsFactory.fromArgs("--runner=WeirRunner", "--parallelism=1").create());
      p.apply(
              KafkaIO.<String, Long>read()
                  .withBootstrapServers(broker.bootstrapServers())
                  .withTopic("picky")
                  .withKeyDeserializer(StringDeserializer.class)
                  .withValueDeserializer(PickyLongDeserializer.class)
                  .withConsumerConfigUpdates(Map.of("auto.offset.reset", "earliest"))
                  .withMaxNumRecords(20)
                  .withoutMetadata())
          .apply(Count.perKey());
      assertThatThrownBy(() -> p.run().waitUntilFinish())
          .hasStackTraceContaining("cannot read a 13")
          .hasMessageContaining("topic='picky'")
          .hasMessageContaining("partition=0")
          .hasMessageContaining("nextOffset=13");
    }
  }
}
