package dev.weir.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.kafka.LocalKafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The Kafka example against a broker in this JVM, exactly-once on: every window's count, once. */
@Timeout(300)
class KafkaWindowedCountTest {

  @TempDir Path dir;

  @Test
  void countsEveryKeyPerWindowFromTopicToTopic() throws Exception {
    try (LocalKafkaBroker broker = LocalKafkaBroker.start()) {
      broker.createTopic("words", 2);
      broker.createTopic("counts", 2); // a partition per exactly-once shard at least
      KafkaWindowedCount.Options options =
          PipelineOptionsFactory.fromArgs(
                  "--runner=WeirRunner",
                  "--parallelism=2",
                  "--bootstrapServers=" + broker.bootstrapServers(),
                  "--windowSeconds=1",
                  "--maxDelaySeconds=1",
                  "--exactlyOnce=true",
                  "--checkpointingInterval=500",
                  "--checkpointDir=" + dir)
              .as(KafkaWindowedCount.Options.class);
      options.setStreaming(true);
      PipelineResult result = KafkaWindowedCount.build(options).run();
      try {
        Map<String, Long> expected = new HashMap<>();
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        try (KafkaProducer<String, String> producer =
            new KafkaProducer<>(pp, new StringSerializer(), new StringSerializer())) {
          for (int i = 0; i < 1_000; i++) {
            String word = "w" + (i % 7);
            long now = System.currentTimeMillis();
            producer.send(new ProducerRecord<>("words", i % 2, now, word, "line " + i));
            expected.merge(word + "@" + (now - now % 1000), 1L, Long::sum);
            if (i % 100 == 99) {
              producer.flush();
              Thread.sleep(50);
            }
          }
        }

        Properties cp = new Properties();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<String, Long> seen = new HashMap<>();
        List<String> twice = new ArrayList<>();
        try (KafkaConsumer<String, Long> consumer =
            new KafkaConsumer<>(cp, new StringDeserializer(), new LongDeserializer())) {
          List<TopicPartition> counts =
              List.of(new TopicPartition("counts", 0), new TopicPartition("counts", 1));
          consumer.assign(counts);
          consumer.seekToBeginning(counts);
          long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
          while (seen.size() < expected.size() && System.nanoTime() < deadline) {
            consumer
                .poll(Duration.ofMillis(200))
                .forEach(
                    r -> {
                      if (seen.put(r.key(), r.value()) != null) {
                        twice.add(r.key());
                      }
                    });
          }
        }
        assertThat(twice).isEmpty();
        assertThat(seen).isEqualTo(expected);
      } finally {
        result.cancel();
      }
    }
  }
}
