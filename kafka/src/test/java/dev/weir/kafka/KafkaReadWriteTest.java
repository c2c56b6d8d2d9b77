package dev.weir.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.joda.time.Instant;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * KafkaIO on WeirRunner against a real broker: both readers (the UnboundedSource one, KafkaIO's
 * default on WeirRunner, and the splittable DoFn one, {@code --experiments=use_sdf_read}) read
 * every record of a three-partition topic at parallelism 2 (more partitions than subtasks) and 4
 * (fewer), and {@code KafkaIO.write()} writes the sums per key, which a consumer reads back.
 */
@Timeout(300)
class KafkaReadWriteTest {

  private static final int RECORDS = 3_000;
  private static final int KEYS = 10;

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  @ParameterizedTest(name = "{0} reader, parallelism {1}")
  @CsvSource({"unbounded-source, 2", "unbounded-source, 4", "sdf, 2", "sdf, 4"})
  void readsEveryRecordAndWritesTheSumsPerKey(String reader, int parallelism) throws Exception {
    String in = "in-" + reader + "-" + parallelism;
    String out = "out-" + reader + "-" + parallelism;
    KAFKA.broker().createTopic(in, 3);
    KAFKA.broker().createTopic(out, 1);
    List<ProducerRecord<String, Long>> input = new ArrayList<>();
    Map<String, Long> expected = new HashMap<>();
    long start = System.currentTimeMillis() - 60_000;
    for (long i = 0; i < RECORDS; i++) {
      String key = "k" + (i % KEYS);
      input.add(new ProducerRecord<>(in, (int) (i % 3), start + i, key, i));
      expected.merge(key, i, Long::sum);
    }
    Instant stopReadTime = Instant.now().plus(org.joda.time.Duration.standardHours(1));
    if (reader.equals("sdf")) {
      // The SDF reader stops at the first offset at or after its stop time, which must exist: a
      // record past it in every partition, not read.
      for (int partition = 0; partition < 3; partition++) {
        input.add(
            new ProducerRecord<>(
                in, partition, stopReadTime.getMillis() + 1, "past the stop time", -1L));
      }
    }
    KAFKA.topics().produce(in, input);

    List<String> args =
        new ArrayList<>(List.of("--runner=WeirRunner", "--parallelism=" + parallelism));
    if (reader.equals("sdf")) {
      args.add("--experiments=use_sdf_read");
    }
    Pipeline p =
        Pipeline.create(PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).create());
    KafkaIO.Read<String, Long> read =
        KafkaIO.<String, Long>read()
            .withBootstrapServers(KAFKA.broker().bootstrapServers())
            .withTopic(in)
            .withKeyDeserializer(StringDeserializer.class)
            .withValueDeserializer(LongDeserializer.class)
            .withConsumerConfigUpdates(Map.of("auto.offset.reset", "earliest"));
    // Bounded reads: the legacy reader stops after a number of records, the SDF one at a time.
    read =
        reader.equals("sdf")
            ? read.withStopReadTime(stopReadTime)
            : read.withMaxNumRecords(RECORDS);
    p.apply(read.withoutMetadata())
        .apply(Sum.longsPerKey())
        .apply(
            KafkaIO.<String, Long>write()
                .withBootstrapServers(KAFKA.broker().bootstrapServers())
                .withTopic(out)
                .withKeySerializer(StringSerializer.class)
                .withValueSerializer(LongSerializer.class));
    PipelineResult.State state = p.run().waitUntilFinish(org.joda.time.Duration.standardMinutes(3));
    assertThat(state).isEqualTo(PipelineResult.State.DONE);

    List<ConsumerRecord<String, Long>> sums =
        KAFKA.topics().readCommitted(out, Duration.ofSeconds(30), r -> r.size() >= KEYS);
    Map<String, Long> actual = new HashMap<>();
    for (ConsumerRecord<String, Long> r : sums) {
      assertThat(actual.put(r.key(), r.value())).as("a second sum for " + r.key()).isNull();
    }
    assertThat(actual).isEqualTo(expected);
  }
}
