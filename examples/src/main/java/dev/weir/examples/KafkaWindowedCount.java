package dev.weir.examples;

import dev.weir.kafka.CreateTimeWithIdlePartitions;
import dev.weir.kafka.WeirKafkaIO;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.StreamingOptions;
import org.apache.beam.sdk.options.Validation;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.joda.time.Duration;

/**
 * A streaming windowed count from one Kafka topic to another: the records of {@code --inputTopic}
 * (String keys; values ignored) counted per key in {@code --windowSeconds} event-time windows (the
 * records' create time; a partition with nothing to read lets event time pass, {@code
 * --maxDelaySeconds} behind the clock), each count written to {@code --outputTopic} as {@code
 * key@windowStart -> count}. With {@code --exactlyOnce} (and {@code --checkpointingInterval})
 * through Kafka transactions, each count once even when tasks fail; the reader commits its offsets
 * to {@code --groupId} as checkpoints complete.
 */
public final class KafkaWindowedCount {

  /** Options of the Kafka count. */
  public interface Options extends StreamingOptions {
    @Description("Kafka's bootstrap servers, HOST:PORT[,HOST:PORT...].")
    @Validation.Required
    String getBootstrapServers();

    void setBootstrapServers(String value);

    @Description("Topic to read.")
    @Default.String("words")
    String getInputTopic();

    void setInputTopic(String value);

    @Description("Topic to write the counts to.")
    @Default.String("counts")
    String getOutputTopic();

    void setOutputTopic(String value);

    @Description("Length of the event-time windows, in seconds.")
    @Default.Integer(10)
    int getWindowSeconds();

    void setWindowSeconds(int value);

    @Description(
        "How late a record may be created, in seconds; also how long an idle partition waits.")
    @Default.Integer(2)
    int getMaxDelaySeconds();

    void setMaxDelaySeconds(int value);

    @Description("Consumer group the reader commits its offsets to.")
    @Default.String("weir-kafka-windowed-count")
    String getGroupId();

    void setGroupId(String value);

    @Description("Write through Kafka transactions, each count exactly once (needs checkpointing).")
    @Default.Boolean(false)
    boolean getExactlyOnce();

    void setExactlyOnce(boolean value);
  }

  private KafkaWindowedCount() {}

  /** Names each count by its key and its window's start. */
  static final class NameByWindow extends DoFn<KV<String, Long>, KV<String, Long>> {
    @ProcessElement
    public void process(
        @Element KV<String, Long> count,
        BoundedWindow window,
        OutputReceiver<KV<String, Long>> out) {
      out.output(
          KV.of(
              count.getKey() + "@" + ((IntervalWindow) window).start().getMillis(),
              count.getValue()));
    }
  }

  public static Pipeline build(Options options) {
    Pipeline p = Pipeline.create(options);
    KafkaIO.Write<String, Long> write =
        KafkaIO.<String, Long>write()
            .withBootstrapServers(options.getBootstrapServers())
            .withTopic(options.getOutputTopic())
            .withKeySerializer(StringSerializer.class)
            .withValueSerializer(LongSerializer.class);
    // KafkaIO lets only the runners it names apply withEOS directly; WeirKafkaIO applies its sink.
    PTransform<PCollection<KV<String, Long>>, PDone> sink =
        options.getExactlyOnce()
            ? WeirKafkaIO.exactlyOnce(write.withEOS(2, options.getGroupId() + "-sink"))
            : write;
    p.apply(
            "Read",
            KafkaIO.<String, String>read()
                .withBootstrapServers(options.getBootstrapServers())
                .withTopic(options.getInputTopic())
                .withKeyDeserializer(StringDeserializer.class)
                .withValueDeserializer(StringDeserializer.class)
                // Create time; unlike KafkaIO's withCreateTime, a partition that never had a
                // record does not hold the windows back.
                .withTimestampPolicyFactory(
                    CreateTimeWithIdlePartitions.of(
                        Duration.standardSeconds(options.getMaxDelaySeconds())))
                // A new group reads the topic from its beginning; a known one from its offsets.
                .withConsumerConfigUpdates(
                    Map.of("group.id", options.getGroupId(), "auto.offset.reset", "earliest"))
                .commitOffsetsInFinalize()
                .withoutMetadata())
        .apply(Window.into(FixedWindows.of(Duration.standardSeconds(options.getWindowSeconds()))))
        .apply(Count.perKey())
        .apply("Name", ParDo.of(new NameByWindow()))
        .apply("Write", sink);
    return p;
  }

  public static void main(String[] args) {
    Options options = PipelineOptionsFactory.fromArgs(args).withValidation().as(Options.class);
    options.setStreaming(true);
    build(options).run().waitUntilFinish();
  }
}
