package dev.weir.kafka;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What {@link WeirKafkaIO#exactlyOnce} refuses when the pipeline is built, and why. */
@Timeout(120)
class WeirKafkaIOTest {

  private static KafkaIO.Write<String, Long> write(String bootstrap, String topic) {
    return KafkaIO.<String, Long>write()
        .withBootstrapServers(bootstrap)
        .withTopic(topic)
        .withKeySerializer(StringSerializer.class)
        .withValueSerializer(LongSerializer.class);
  }

  @Test
  void aWriteWithoutEosOrWithMoreShardsThanPartitionsIsRefused() throws Exception {
    try (LocalKafkaBroker broker = LocalKafkaBroker.start()) {
      broker.createTopic("one-partition", 1);
      assertThatThrownBy(
              () -> WeirKafkaIO.exactlyOnce(write(broker.bootstrapServers(), "one-partition")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("withEOS(numShards, sinkGroupId)");
      assertThatThrownBy(
              () ->
                  WeirKafkaIO.exactlyOnce(
                      write(broker.bootstrapServers(), "one-partition").withEOS(2, "sink")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("topic one-partition has 1 partitions")
          .hasMessageContaining("withEOS(2, ...) needs at least 2");
      // One shard fits.
      WeirKafkaIO.exactlyOnce(write(broker.bootstrapServers(), "one-partition").withEOS(1, "sink"));
    }
  }
}
