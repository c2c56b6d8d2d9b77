package dev.weir.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.io.kafka.ExactlyOnceSinkAccess;
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
 * KafkaIO's exactly-once sink on WeirRunner.
 *
 * <p>{@code KafkaIO.write().withEOS(numShards, sinkGroupId)} works on the runners KafkaIO lists by
 * name only (its {@code validate} refuses any other before the pipeline reaches the runner). Wrap
 * the same, unchanged write: {@code counts.apply(WeirKafkaIO.exactlyOnce(KafkaIO.<K, V>write()
 * ...withEOS(2, "my-sink")))}. It applies KafkaIO's own exactly-once sink (records sharded,
 * numbered in keyed state, written in Kafka transactions in the order of their numbers, the number
 * committed with each transaction), which relies on {@code @RequiresStableInput} and stateful
 * DoFns; WeirRunner gives both with checkpoints ({@code --checkpointingInterval}): a transaction is
 * written only for records a completed checkpoint holds, so a restart never writes one twice.
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
        "KafkaIO's exactly-once sink supports no bad-record error handler");
    checkShardsFitPartitions(spec);
    return new ExactlyOnce<>(spec);
  }

  /**
   * KafkaIO keeps shard {@code i}'s next record number as the sink group's committed offset of
   * partition {@code i} of the topic, which a broker refuses for a partition that does not exist
   * (the writer then retries until its transaction times out, naming only AddOffsetsToTxn). So with
   * fewer partitions than shards the pipeline is refused here, when the broker can be asked within
   * a few seconds; if it cannot, the check is left to the writer (logged).
   */
  private static void checkShardsFitPartitions(KafkaIO.WriteRecords<?, ?> spec) {
    int shards = spec.getNumShards();
    if (shards <= 0) {
      return; // KafkaIO takes the topic's partition count
    }
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
      LOG.warn(
          "cannot check that topic {} has the {} partitions withEOS needs: {}",
          spec.getTopic(),
          shards,
          unreachable.toString());
      return;
    }
    int count = partitions == null ? 0 : partitions.size();
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
              + ": KafkaIO keeps shard i's progress as a committed offset of partition i. Use"
              + " at most "
              + count
              + " shards, or add partitions to the topic");
    }
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException("WeirKafkaIO.exactlyOnce: " + message);
    }
  }

  private static final class ExactlyOnce<K, V> extends PTransform<PCollection<KV<K, V>>, PDone> {
    private static final long serialVersionUID = 1L;

    private final KafkaIO.WriteRecords<K, V> spec;

    ExactlyOnce(KafkaIO.WriteRecords<K, V> spec) {
      super("KafkaIO exactly-once to " + spec.getTopic());
      this.spec = spec;
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
          .apply(ExactlyOnceSinkAccess.sink(spec));
      return PDone.in(input.getPipeline());
    }
  }
}
