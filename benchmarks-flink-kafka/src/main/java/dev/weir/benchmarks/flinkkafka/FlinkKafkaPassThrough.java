package dev.weir.benchmarks.flinkkafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Native Flink: records of a topic (String key, 8-byte big-endian long value) through an identity
 * map to another topic, with Flink's Kafka source and sink, on a MiniCluster in this JVM. Exactly
 * once: checkpoints and a transactional sink, which commits when a checkpoint completes; otherwise
 * no checkpoints and a sink without guarantee. Prints {@code flink job running} once it runs; runs
 * until its process is killed, or ends itself after {@code --max-seconds}.
 */
@Command(name = "flink-kafka-pass-through", mixinStandardHelpOptions = true)
public final class FlinkKafkaPassThrough implements Callable<Integer> {

  @Option(names = "--bootstrap", required = true, description = "HOST:PORT of the broker")
  String bootstrap;

  @Option(names = "--in", required = true)
  String in;

  @Option(names = "--out", required = true)
  String out;

  @Option(names = "--group", required = true, description = "the source's consumer group")
  String group;

  @Option(names = "--parallelism", defaultValue = "2")
  int parallelism;

  @Option(names = "--exactly-once", description = "transactions committed on checkpoints")
  boolean exactlyOnce;

  @Option(names = "--checkpoint-ms", defaultValue = "1000")
  long checkpointMillis;

  @Option(names = "--linger-ms", defaultValue = "5", description = "the sink producer's linger.ms")
  int lingerMillis;

  @Option(names = "--max-seconds", defaultValue = "600")
  long maxSeconds;

  public static void main(String[] args) {
    System.exit(new CommandLine(new FlinkKafkaPassThrough()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Configuration conf = new Configuration();
    // A failure ends the run: a silent restart would replay records into the measurement.
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    if (exactlyOnce) {
      conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(checkpointMillis));
      conf.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
    }
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);

    KafkaSource<Tuple2<String, Long>> source =
        KafkaSource.<Tuple2<String, Long>>builder()
            .setBootstrapServers(bootstrap)
            .setTopics(in)
            .setGroupId(group)
            .setStartingOffsets(OffsetsInitializer.earliest())
            .setDeserializer(new KeyAndValue())
            .setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
            .build();
    Properties producer = new Properties();
    // The sink's default (1 h) exceeds the broker's transaction.max.timeout.ms (15 min).
    producer.setProperty(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "60000");
    producer.setProperty(ProducerConfig.LINGER_MS_CONFIG, Integer.toString(lingerMillis));
    KafkaSink<Tuple2<String, Long>> sink =
        KafkaSink.<Tuple2<String, Long>>builder()
            .setBootstrapServers(bootstrap)
            .setKafkaProducerConfig(producer)
            .setRecordSerializer(
                KafkaRecordSerializationSchema.<Tuple2<String, Long>>builder()
                    .setTopic(out)
                    .setKeySerializationSchema(new KeyBytes())
                    .setValueSerializationSchema(new ValueBytes())
                    .build())
            .setDeliveryGuarantee(
                exactlyOnce ? DeliveryGuarantee.EXACTLY_ONCE : DeliveryGuarantee.NONE)
            // New per run: a reused prefix makes the sink probe every id an earlier run used.
            .setTransactionalIdPrefix(group + "-" + System.currentTimeMillis())
            .build();
    env.fromSource(source, WatermarkStrategy.noWatermarks(), "kafka-in")
        .map(new Identity())
        .name("identity")
        .sinkTo(sink)
        .name("kafka-out");

    JobClient job = env.executeAsync("flink-kafka-pass-through");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(maxSeconds);
    while (job.getJobStatus().get() != JobStatus.RUNNING) {
      if (job.getJobStatus().get().isTerminalState() || System.nanoTime() > deadline) {
        System.out.println("flink job did not start: " + job.getJobStatus().get());
        return 1;
      }
      Thread.sleep(20);
    }
    System.out.println("flink job running");
    System.out.flush();
    try {
      job.getJobExecutionResult()
          .get(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
      System.out.println("flink job ended");
    } catch (TimeoutException e) {
      System.out.println(String.format(Locale.ROOT, "flink job ran %d s, cancelled", maxSeconds));
      job.cancel().get(1, TimeUnit.MINUTES);
    }
    return 0;
  }

  /** Kafka's StringDeserializer and LongDeserializer, as one record schema. */
  static final class KeyAndValue implements KafkaRecordDeserializationSchema<Tuple2<String, Long>> {
    private static final long serialVersionUID = 1L;

    @Override
    public void deserialize(
        ConsumerRecord<byte[], byte[]> record, Collector<Tuple2<String, Long>> collector) {
      byte[] v = record.value();
      if (v == null || v.length != Long.BYTES) {
        throw new IllegalArgumentException(
            "not an 8-byte value: "
                + record.topic()
                + "-"
                + record.partition()
                + "@"
                + record.offset());
      }
      long value = 0;
      for (byte b : v) {
        value = (value << 8) | (b & 0xFF);
      }
      byte[] k = record.key();
      collector.collect(Tuple2.of(k == null ? null : new String(k, StandardCharsets.UTF_8), value));
    }

    @Override
    public TypeInformation<Tuple2<String, Long>> getProducedType() {
      return Types.TUPLE(Types.STRING, Types.LONG);
    }
  }

  /** As Kafka's StringSerializer. */
  static final class KeyBytes implements SerializationSchema<Tuple2<String, Long>> {
    private static final long serialVersionUID = 1L;

    @Override
    public byte[] serialize(Tuple2<String, Long> element) {
      return element.f0 == null ? null : element.f0.getBytes(StandardCharsets.UTF_8);
    }
  }

  /** As Kafka's LongSerializer. */
  static final class ValueBytes implements SerializationSchema<Tuple2<String, Long>> {
    private static final long serialVersionUID = 1L;

    @Override
    public byte[] serialize(Tuple2<String, Long> element) {
      long v = element.f1;
      byte[] b = new byte[Long.BYTES];
      for (int i = Long.BYTES - 1; i >= 0; i--) {
        b[i] = (byte) v;
        v >>>= 8;
      }
      return b;
    }
  }

  /** The step between source and sink (the Beam pipelines have one too). */
  static final class Identity implements MapFunction<Tuple2<String, Long>, Tuple2<String, Long>> {
    private static final long serialVersionUID = 1L;

    @Override
    public Tuple2<String, Long> map(Tuple2<String, Long> value) {
      return value;
    }
  }
}
