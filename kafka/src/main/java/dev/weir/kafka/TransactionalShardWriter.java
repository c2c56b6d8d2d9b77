package dev.weir.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TimestampedValue.TimestampedValueCoder;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each shard's numbered records to Kafka in transactions, in the order of their numbers: the
 * records of a shard in one bundle form one transaction, committed when the bundle finishes
 * together with the shard's {@link ShardProgress} (as the sink group's offset metadata of partition
 * {@code shard}). Its input is stable ({@code @RequiresStableInput}: on Weir a record reaches it
 * once a checkpoint holding it completed, and a bundle finishes before the next checkpoint's
 * snapshot), so after a restart the same records come again with the same numbers, and those the
 * progress in Kafka covers are skipped.
 *
 * <p>The writer id is fixed when the pipeline is built and kept in state on the first write. If a
 * failure restores a checkpoint taken before that state was kept while Kafka already holds the
 * shard's first transactions, the same id in Kafka shows they are this job's own (KafkaIO's sink
 * refuses to go on there, forever). A different id is another job's, or an earlier run's, progress
 * under the same sink group: refused with a message saying so.
 *
 * <p>One producer per shard and DoFn instance, opened on the shard's first record ({@code
 * initTransactions} fences the producers of earlier attempts and aborts their open transactions),
 * closed on teardown or on any failure. Called by one thread at a time, as any DoFn.
 */
final class TransactionalShardWriter<K, V>
    extends DoFn<KV<Integer, KV<Long, TimestampedValue<ProducerRecord<K, V>>>>, Void> {

  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(TransactionalShardWriter.class);
  private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

  private final KafkaIO.WriteRecords<K, V> spec;
  private final String writerId;

  @StateId("nextRecord")
  private final StateSpec<ValueState<Long>> nextRecordSpec = StateSpecs.value(VarLongCoder.of());

  @StateId("writer")
  private final StateSpec<ValueState<String>> writerSpec = StateSpecs.value(StringUtf8Coder.of());

  /** Records after a gap in the numbers (not expected on Weir; kept until the gap fills). */
  @StateId("waiting")
  private final StateSpec<BagState<KV<Long, TimestampedValue<ProducerRecord<K, V>>>>> waitingSpec;

  @StateId("anyWaiting")
  private final StateSpec<ValueState<Boolean>> anyWaitingSpec = StateSpecs.value(BooleanCoder.of());

  private final Counter written = Metrics.counter(TransactionalShardWriter.class, "recordsWritten");
  private final Counter transactions =
      Metrics.counter(TransactionalShardWriter.class, "transactions");

  private transient Map<Integer, ShardProducer<K, V>> producers;

  TransactionalShardWriter(
      KafkaIO.WriteRecords<K, V> spec, Coder<ProducerRecord<K, V>> recordCoder, String writerId) {
    this.spec = spec;
    this.writerId = writerId;
    this.waitingSpec =
        StateSpecs.bag(KvCoder.of(VarLongCoder.of(), TimestampedValueCoder.of(recordCoder)));
  }

  /** A shard's open producer, what Kafka holds of the shard, and its open transaction. */
  private static final class ShardProducer<K, V> {
    final Producer<K, V> producer;
    final String writer;

    /** The number of the last record a committed transaction holds. */
    long committed;

    /** The number of the last record sent, in the open transaction if there is one. */
    long sent;

    boolean inTransaction;

    ShardProducer(Producer<K, V> producer, String writer, long committed) {
      this.producer = producer;
      this.writer = writer;
      this.committed = committed;
      this.sent = committed;
    }
  }

  @Setup
  public void setup() {
    producers = new HashMap<>();
  }

  @RequiresStableInput
  @ProcessElement
  public void process(
      @Element KV<Integer, KV<Long, TimestampedValue<ProducerRecord<K, V>>>> numbered,
      @StateId("nextRecord") ValueState<Long> nextRecordState,
      @StateId("writer") ValueState<String> writerState,
      @StateId("waiting") BagState<KV<Long, TimestampedValue<ProducerRecord<K, V>>>> waitingState,
      @StateId("anyWaiting") ValueState<Boolean> anyWaitingState) {
    int shard = numbered.getKey();
    long number = numbered.getValue().getKey();
    Long stored = nextRecordState.read();
    long next = stored == null ? 0 : stored;
    try {
      ShardProducer<K, V> out = producers.get(shard);
      if (out == null) {
        out = open(shard, writerState.read(), next);
        producers.put(shard, out);
      }
      if (writerState.read() == null) {
        writerState.write(out.writer);
      }
      if (out.committed >= next) {
        // Records numbered up to `committed` were written before a restart (their transaction
        // committed, the checkpoint after it did not complete): skip them.
        next = out.committed + 1;
      }
      if (number < next) {
        return;
      }
      if (number > next) {
        waitingState.add(numbered.getValue());
        anyWaitingState.write(true);
        LOG.info(
            "shard {}: record {} waits for record {} (numbers out of order)", shard, number, next);
        return;
      }
      send(out, numbered.getValue().getValue());
      next++;
      if (Boolean.TRUE.equals(anyWaitingState.read())) {
        next = sendWaiting(out, next, waitingState, anyWaitingState);
      }
      out.sent = next - 1;
      nextRecordState.write(next);
    } catch (RuntimeException e) {
      abortAll();
      throw e;
    }
  }

  private void send(ShardProducer<K, V> out, TimestampedValue<ProducerRecord<K, V>> record) {
    if (!out.inTransaction) {
      out.producer.beginTransaction();
      out.inTransaction = true;
    }
    out.producer.send(toTopic(record));
  }

  /** Sends the waiting records that now follow on; keeps the rest waiting. */
  private long sendWaiting(
      ShardProducer<K, V> out,
      long next,
      BagState<KV<Long, TimestampedValue<ProducerRecord<K, V>>>> waitingState,
      ValueState<Boolean> anyWaitingState) {
    TreeMap<Long, TimestampedValue<ProducerRecord<K, V>>> waiting = new TreeMap<>();
    for (KV<Long, TimestampedValue<ProducerRecord<K, V>>> r : waitingState.read()) {
      if (r.getKey() >= next) {
        waiting.put(r.getKey(), r.getValue());
      }
    }
    while (!waiting.isEmpty() && waiting.firstKey() == next) {
      send(out, waiting.pollFirstEntry().getValue());
      next++;
    }
    waitingState.clear();
    List<KV<Long, TimestampedValue<ProducerRecord<K, V>>>> rest = new ArrayList<>();
    waiting.forEach((n, r) -> rest.add(KV.of(n, r)));
    rest.forEach(waitingState::add);
    anyWaitingState.write(!rest.isEmpty());
    return next;
  }

  /** Commits each shard's open transaction with the shard's progress. */
  @FinishBundle
  public void finishBundle() {
    try {
      for (Map.Entry<Integer, ShardProducer<K, V>> e : producers.entrySet()) {
        ShardProducer<K, V> out = e.getValue();
        if (!out.inTransaction) {
          continue;
        }
        out.producer.sendOffsetsToTransaction(
            Map.of(
                new TopicPartition(spec.getTopic(), e.getKey()),
                new OffsetAndMetadata(0L, new ShardProgress(out.sent, out.writer).encode())),
            new ConsumerGroupMetadata(spec.getSinkGroupId()));
        out.producer.commitTransaction();
        out.inTransaction = false;
        transactions.inc();
        written.inc(out.sent - out.committed);
        out.committed = out.sent;
      }
    } catch (RuntimeException e) {
      abortAll();
      throw e;
    }
  }

  /**
   * After any failure (fenced by a newer attempt, broker gone, interrupted) every producer is done:
   * open transactions abort (or time out on the broker) and the retry opens new ones.
   */
  private void abortAll() {
    for (ShardProducer<K, V> p : producers.values()) {
      closeQuietly(p.producer, p.inTransaction);
    }
    producers.clear();
  }

  private ProducerRecord<K, V> toTopic(TimestampedValue<ProducerRecord<K, V>> r) {
    ProducerRecord<K, V> record = r.getValue();
    Long timestamp = record.timestamp();
    if (spec.getPublishTimestampFunction() != null) {
      timestamp =
          spec.getPublishTimestampFunction().getTimestamp(record, r.getTimestamp()).getMillis();
    }
    return new ProducerRecord<>(
        spec.getTopic(), null, timestamp, record.key(), record.value(), record.headers());
  }

  /**
   * Opens shard's producer (fencing earlier ones) and learns from Kafka how far the shard got.
   *
   * @param stateWriter the writer id in state, {@code null} before the shard's first write
   * @param next the next record number in state
   */
  private ShardProducer<K, V> open(int shard, String stateWriter, long next) {
    Producer<K, V> producer = newProducer(shard);
    try {
      producer.initTransactions();
      ShardProgress progress = progressInKafka(shard);
      String group = spec.getSinkGroupId();
      if (progress == null) {
        if (next != 0 || stateWriter != null) {
          throw new IllegalStateException(
              String.format(
                  "exactly-once sink to topic '%s': the job's state says shard %d wrote records"
                      + " before record %d (writer %s), but sink group '%s' holds no progress for"
                      + " partition %d: its offsets expired (offsets.retention.minutes) or were"
                      + " deleted. Records could be written twice; start with a new"
                      + " sinkGroupId only once the output was checked",
                  spec.getTopic(), shard, next, stateWriter, group, shard));
        }
        return new ShardProducer<>(producer, writerId, -1);
      }
      String writer = stateWriter != null ? stateWriter : writerId;
      if (!progress.writer().equals(writer)) {
        throw new IllegalStateException(
            String.format(
                "exactly-once sink to topic '%s': sink group '%s' holds the progress of writer %s"
                    + " (record %d of shard %d), but this job's writer is %s. Another job, or an"
                    + " earlier run of this one, wrote with that sinkGroupId: give each job a"
                    + " sinkGroupId of its own, or resume the earlier run from its savepoint",
                spec.getTopic(), group, progress.writer(), progress.lastRecord(), shard, writer));
      }
      if (progress.lastRecord() < next - 1) {
        throw new IllegalStateException(
            String.format(
                "exactly-once sink to topic '%s': sink group '%s' says shard %d wrote up to record"
                    + " %d, but the job's state says %d were written: the state is newer than what"
                    + " Kafka holds (a savepoint of another run?)",
                spec.getTopic(), group, shard, progress.lastRecord(), next));
      }
      if (stateWriter == null) {
        LOG.info(
            "shard {}: records up to {} were written before a restart, before any checkpoint"
                + " recorded the writer; going on after them",
            shard,
            progress.lastRecord());
      }
      return new ShardProducer<>(producer, writer, progress.lastRecord());
    } catch (RuntimeException e) {
      closeQuietly(producer, false);
      throw e;
    }
  }

  private Producer<K, V> newProducer(int shard) {
    Map<String, Object> config = new HashMap<>(spec.getProducerConfig());
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, spec.getKeySerializer());
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, spec.getValueSerializer());
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    // The coordinator refuses a shard's next transaction (CONCURRENT_TRANSACTIONS) while it still
    // writes the markers of the one just committed; the client's 100 ms default back-off would
    // then be added to nearly every transaction.
    config.putIfAbsent(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 5);
    config.put(
        ProducerConfig.TRANSACTIONAL_ID_CONFIG, "weir-eos-" + spec.getSinkGroupId() + "-" + shard);
    return spec.getProducerFactoryFn() != null
        ? spec.getProducerFactoryFn().apply(config)
        : new KafkaProducer<>(config);
  }

  private ShardProgress progressInKafka(int shard) {
    Map<String, Object> config = new HashMap<>();
    config.put(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
        spec.getProducerConfig().get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG));
    config.put(ConsumerConfig.GROUP_ID_CONFIG, spec.getSinkGroupId());
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    TopicPartition partition = new TopicPartition(spec.getTopic(), shard);
    try (Consumer<?, ?> consumer = spec.getConsumerFactoryFn().apply(config)) {
      OffsetAndMetadata committed =
          consumer.committed(Set.of(partition), METADATA_TIMEOUT).get(partition);
      if (committed == null || committed.metadata() == null || committed.metadata().isEmpty()) {
        return null;
      }
      return ShardProgress.decode(committed.metadata(), spec.getSinkGroupId());
    }
  }

  private static void closeQuietly(Producer<?, ?> producer, boolean abort) {
    try {
      if (abort) {
        producer.abortTransaction();
      }
    } catch (RuntimeException ignored) {
      // fenced, or the broker is gone: the transaction times out on the broker
    }
    try {
      producer.close(CLOSE_TIMEOUT);
    } catch (RuntimeException e) {
      LOG.debug("closing a Kafka producer failed", e);
    }
  }

  @Teardown
  public void teardown() {
    if (producers != null) {
      abortAll();
    }
  }
}
