package dev.weir.kafka;

import java.util.concurrent.ThreadLocalRandom;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TimestampedValue.TimestampedValueCoder;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Kafka records written exactly once, in three steps: each record goes to one of {@code numShards}
 * shards (round robin), is numbered in its shard (keyed state), and the numbered records of a shard
 * are written in number order by {@link TransactionalShardWriter}, whose input is stable, one
 * transaction per shard and bundle (KafkaIO's sink groups them with a GroupByKey under an
 * element-count trigger, which on a runner that fires per element makes a transaction of each
 * record). The numbers a record gets are kept by the checkpoint that releases it to the writer, so
 * after any restart the writer sees the same records with the same numbers, and knows from Kafka
 * which it wrote.
 */
final class TransactionalKafkaSink<K, V>
    extends PTransform<PCollection<ProducerRecord<K, V>>, PCollection<Void>> {

  private static final long serialVersionUID = 1L;

  private final KafkaIO.WriteRecords<K, V> spec;
  private final int shards;
  private final String writerId;

  /**
   * @param writerId this pipeline's writer id (fixed when the pipeline is built; see {@link
   *     TransactionalShardWriter})
   */
  TransactionalKafkaSink(KafkaIO.WriteRecords<K, V> spec, int shards, String writerId) {
    super("Exactly once to " + spec.getTopic());
    this.spec = spec;
    this.shards = shards;
    this.writerId = writerId;
  }

  @Override
  public PCollection<Void> expand(PCollection<ProducerRecord<K, V>> records) {
    Coder<ProducerRecord<K, V>> recordCoder = records.getCoder();
    Coder<TimestampedValue<ProducerRecord<K, V>>> timestamped =
        TimestampedValueCoder.of(recordCoder);
    // Numbers are per shard, not per window: whatever windows come, into the global one.
    return records
        .apply("Into the global window", Window.<ProducerRecord<K, V>>into(new GlobalWindows()))
        .apply("Assign shards", ParDo.of(new AssignShard<K, V>(shards)))
        .setCoder(KvCoder.of(VarIntCoder.of(), timestamped))
        .apply("Number per shard", ParDo.of(new NumberPerShard<K, V>()))
        .setCoder(KvCoder.of(VarIntCoder.of(), KvCoder.of(VarLongCoder.of(), timestamped)))
        .apply(
            "Write transactions",
            ParDo.of(new TransactionalShardWriter<>(spec, recordCoder, writerId)));
  }

  /** Round robin over the shards, from a random one per instance. */
  static final class AssignShard<K, V>
      extends DoFn<ProducerRecord<K, V>, KV<Integer, TimestampedValue<ProducerRecord<K, V>>>> {
    private static final long serialVersionUID = 1L;

    private final int shards;
    private transient int shard;

    AssignShard(int shards) {
      this.shards = shards;
    }

    @Setup
    public void setup() {
      shard = ThreadLocalRandom.current().nextInt(shards);
    }

    @ProcessElement
    public void process(
        @Element ProducerRecord<K, V> record,
        @Timestamp org.joda.time.Instant timestamp,
        OutputReceiver<KV<Integer, TimestampedValue<ProducerRecord<K, V>>>> out) {
      shard = shard + 1 == shards ? 0 : shard + 1;
      out.output(KV.of(shard, TimestampedValue.of(record, timestamp)));
    }
  }

  /** Numbers a shard's records 0, 1, 2, ... in the order they come (the count in keyed state). */
  static final class NumberPerShard<K, V>
      extends DoFn<
          KV<Integer, TimestampedValue<ProducerRecord<K, V>>>,
          KV<Integer, KV<Long, TimestampedValue<ProducerRecord<K, V>>>>> {
    private static final long serialVersionUID = 1L;

    @StateId("next")
    private final StateSpec<ValueState<Long>> nextSpec = StateSpecs.value(VarLongCoder.of());

    @ProcessElement
    public void process(
        @Element KV<Integer, TimestampedValue<ProducerRecord<K, V>>> record,
        @StateId("next") ValueState<Long> nextState,
        OutputReceiver<KV<Integer, KV<Long, TimestampedValue<ProducerRecord<K, V>>>>> out) {
      Long stored = nextState.read();
      long number = stored == null ? 0 : stored;
      out.output(KV.of(record.getKey(), KV.of(number, record.getValue())));
      nextState.write(number + 1);
    }
  }
}
