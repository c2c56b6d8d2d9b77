package dev.weir.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.io.kafka.ProducerRecordCoder;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.SimpleFunction;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An exactly-once Kafka sink for WeirRunner, configured as KafkaIO's.
 *
 * <p>{@code KafkaIO.write().withEOS(numShards, sinkGroupId)} works on the runners KafkaIO lists by
 * name only (its {@code validate} refuses any other before the pipeline reaches the runner). Wrap
 * the same, unchanged write: {@code counts.apply(WeirKafkaIO.exactlyOnce(KafkaIO.<K, V>write()
 * ...withEOS(2, "my-sink")))}. Records are sharded, numbered in keyed state and written in Kafka
 * transactions in the order of their numbers, each shard's progress committed with its transaction
 * as the sink group's offset metadata (the protocol of KafkaIO's own sink; see {@link
 * TransactionalShardWriter} for where it differs). It relies on {@code @RequiresStableInput} and
 * stateful DoFns, which WeirRunner gives with checkpoints ({@code --checkpointingInterval}): a
 * transaction is written only for records a completed checkpoint holds, so a restart never writes
 * one twice. Output appears once per checkpoint interval; consumers read it with {@code
 * isolation.level=read_committed}.
 */
public final class WeirKafkaIO {

  private static final Logger LOG = LoggerFactory.getLogger(WeirKafkaIO.class);

  /** How long constructing the sink may wait for the broker's partition count. */
  private static final Duration PARTITION_CHECK = Duration.ofSeconds(5);

  private WeirKafkaIO() {}

  /**
   * {@code write} (with {@code withEOS}) as an exactly-once sink on WeirRunner.
   *
   * @throws IllegalArgumentException if {@code write} lacks {@code withEOS}, a topic, serializers
   *     or bootstrap servers, or has a bad-record handler (KafkaIO's sink supports none)
   */
  public static <K, V> PTransform<PCollection<KV<K, V>>, PDone> exactlyOnce(
      KafkaIO.Write<K, V> write) {
    KafkaIO.WriteRecords<K, V> spec = write.getWriteRecordsTransform();
    require(spec.isEOS(), "call withEOS(numShards, sinkGroupId) on the write");
    require(spec.getTopic() != null, "withTopic() is required");
    require(
        spec.getProducerConfig().get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG) != null,
        "withBootstrapServers() is required");
    require(spec.getKeySerializer() != null, "withKeySerializer() is required");
    require(spec.getValueSerializer() != null, "withValueSerializer() is required");
    require(
        spec.getBadRecordErrorHandler() instanceof ErrorHandler.DefaultErrorHandler,
        "the exactly-once sink supports no bad-record error handler");
    int shards = shards(spec);
    return new ExactlyOnce<>(spec, shards, UUID.randomUUID().toString());
  }

  /**
   * The number of shards: {@code withEOS}'s, or the topic's partition count if that is not
   * positive. Shard {@code i}'s progress is the sink group's committed offset of partition {@code
   * i} of the topic, which a broker refuses for a partition that does not exist (the writer would
   * retry until its transaction timed out, naming only AddOffsetsToTxn), so fewer partitions than
   * shards are refused here, when the broker answers within a few seconds; if it does not, the
   * check is left to the writer (logged).
   */
  private static int shards(KafkaIO.WriteRecords<?, ?> spec) {
    int shards = spec.getNumShards();
    Map<String, Object> config = new HashMap<>();
    config.put(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
        spec.getProducerConfig().get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG));
    config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) PARTITION_CHECK.toMillis());
    config.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) PARTITION_CHECK.toMillis());
    List<PartitionInfo> partitions;
    try (Consumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      partitions = consumer.partitionsFor(spec.getTopic(), PARTITION_CHECK);
    } catch (KafkaException unreachable) {
      if (shards <= 0) {
        throw new IllegalArgumentException(
            "WeirKafkaIO.exactlyOnce: withEOS(0, ...) takes as many shards as topic "
                + spec.getTopic()
                + " has partitions, but "
                + spec.getProducerConfig().get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)
                + " did not say how many within "
                + PARTITION_CHECK.toSeconds()
                + " s ("
                + unreachable
                + "); start the broker or give the number of shards",
            unreachable);
      }
      LOG.warn(
          "cannot check that topic {} has the {} partitions withEOS needs: {}",
          spec.getTopic(),
          shards,
          unreachable.toString());
      return shards;
    }
    int count = partitions == null ? 0 : partitions.size();
    if (shards <= 0) {
      require(count > 0, "topic " + spec.getTopic() + " does not exist");
      return count;
    }
    if (count < shards) {
      throw new IllegalArgumentException(
          "WeirKafkaIO.exactlyOnce: topic "
              + spec.getTopic()
              + " has "
              + count
              + " partitions, but withEOS("
              + shards
              + ", ...) needs at least "
              + shards
              + ": shard i's progress is kept as a committed offset of partition i. Use"
              + " at most "
              + count
              + " shards, or add partitions to the topic");
    }
    return shards;
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException("WeirKafkaIO.exactlyOnce: " + message);
    }
  }

  private static final class ExactlyOnce<K, V> extends PTransform<PCollection<KV<K, V>>, PDone> {
    private static final long serialVersionUID = 1L;

    private final KafkaIO.WriteRecords<K, V> spec;
    private final int shards;
    private final String writerId;

    ExactlyOnce(KafkaIO.WriteRecords<K, V> spec, int shards, String writerId) {
      super("Kafka exactly-once to " + spec.getTopic());
      this.spec = spec;
      this.shards = shards;
      this.writerId = writerId;
    }

    @Override
    public PDone expand(PCollection<KV<K, V>> input) {
      String topic = spec.getTopic();
      Coder<KV<K, V>> coder = input.getCoder();
      if (!(coder instanceof KvCoder<K, V> kv)) {
        throw new IllegalArgumentException(
            "WeirKafkaIO.exactlyOnce writes a PCollection of KVs with a KvCoder, got " + coder);
      }
      input
          .apply(
              "Kafka ProducerRecord",
              MapElements.via(
                  new SimpleFunction<KV<K, V>, ProducerRecord<K, V>>() {
                    @Override
                    public ProducerRecord<K, V> apply(KV<K, V> element) {
                      return new ProducerRecord<>(topic, element.getKey(), element.getValue());
                    }
                  }))
          .setCoder(ProducerRecordCoder.of(kv.getKeyCoder(), kv.getValueCoder()))
          .apply(new TransactionalKafkaSink<>(spec, shards, writerId));
      return PDone.in(input.getPipeline());
    }
  }
}
