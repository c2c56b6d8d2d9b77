package dev.weir.kafka;

import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.io.kafka.TimestampPolicyFactory;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.joda.time.Duration;

/**
 * The tests' streaming pipeline: records of a topic (String keys), counted per key in 1 s
 * event-time windows (the records' create time; a partition that receives nothing for a second lets
 * event time pass), written as {@code key@windowStart -> count} to another topic with KafkaIO's
 * exactly-once sink; the reader commits its offsets to {@code group} when checkpoints complete.
 */
final class WindowedCountToKafka {

  static final Duration WINDOW = Duration.standardSeconds(1);

  private WindowedCountToKafka() {}

  static void build(Pipeline p, String bootstrap, String in, String out, String group) {
    build(p, bootstrap, in, out, group, true, CREATE_TIME);
  }

  /** Create time, a partition with nothing to read letting event time pass after a second. */
  static final TimestampPolicyFactory<String, Long> CREATE_TIME =
      CreateTimeWithIdlePartitions.of(Duration.standardSeconds(1));

  static void build(
      Pipeline p,
      String bootstrap,
      String in,
      String out,
      String group,
      boolean exactlyOnce,
      TimestampPolicyFactory<String, Long> timestamps) {
    KafkaIO.Write<String, Long> write =
        KafkaIO.<String, Long>write()
            .withBootstrapServers(bootstrap)
            .withTopic(out)
            .withKeySerializer(StringSerializer.class)
            .withValueSerializer(LongSerializer.class);
    p.apply(
            "Read",
            KafkaIO.<String, Long>read()
                .withBootstrapServers(bootstrap)
                .withTopic(in)
                .withKeyDeserializer(StringDeserializer.class)
                .withValueDeserializer(LongDeserializer.class)
                .withTimestampPolicyFactory(timestamps)
                .withConsumerConfigUpdates(
                    Map.of("group.id", group, "auto.offset.reset", "earliest"))
                .commitOffsetsInFinalize()
                .withoutMetadata())
        .apply(Window.into(FixedWindows.of(WINDOW)))
        .apply(Count.perKey())
        .apply("Name", ParDo.of(new NameByWindow()))
        .apply(
            "Write",
            exactlyOnce ? WeirKafkaIO.exactlyOnce(write.withEOS(2, group + "-sink")) : write);
  }

  /** The window key of a count: {@code key@windowStartMillis}. */
  static String windowKey(String key, long timestampMillis) {
    long start = timestampMillis - Math.floorMod(timestampMillis, WINDOW.getMillis());
    return key + "@" + start;
  }

  static final class NameByWindow extends DoFn<KV<String, Long>, KV<String, Long>> {
    @ProcessElement
    public void process(
        @Element KV<String, Long> count,
        BoundedWindow window,
        OutputReceiver<KV<String, Long>> out) {
      long start = ((IntervalWindow) window).start().getMillis();
      out.output(KV.of(count.getKey() + "@" + start, count.getValue()));
    }
  }
}
