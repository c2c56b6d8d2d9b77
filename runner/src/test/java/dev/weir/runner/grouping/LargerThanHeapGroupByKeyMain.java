package dev.weir.runner.grouping;

import java.util.Arrays;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.GenerateSequence;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;

/**
 * A batch GroupByKey of {@code records} values of {@code payload} bytes over {@code keys} keys, run
 * in its own JVM (the test gives it a small heap). Value {@code i} belongs to key {@code i mod
 * keys} and its bytes are a function of {@code i}; each group is checked whole (its count, the sum
 * of its values' numbers, every value's bytes). Prints {@code groups=G values=V bad=B} and exits 0
 * when the job finished.
 *
 * <p>Arguments: records keys payload, then pipeline options.
 */
public final class LargerThanHeapGroupByKeyMain {

  private static final Counter GROUPS =
      Metrics.counter(LargerThanHeapGroupByKeyMain.class, "groups");
  private static final Counter VALUES =
      Metrics.counter(LargerThanHeapGroupByKeyMain.class, "values");
  private static final Counter BAD = Metrics.counter(LargerThanHeapGroupByKeyMain.class, "bad");

  private LargerThanHeapGroupByKeyMain() {}

  /** Value {@code i}'s bytes: its number, then bytes that depend on it and their position. */
  static byte[] payload(long i, int size) {
    byte[] b = new byte[size];
    for (int j = 0; j < 8; j++) {
      b[j] = (byte) (i >>> (8 * j));
    }
    for (int j = 8; j < size; j++) {
      b[j] = (byte) (i * 31 + j);
    }
    return b;
  }

  static long number(byte[] payload) {
    long i = 0;
    for (int j = 0; j < 8; j++) {
      i |= (payload[j] & 0xffL) << (8 * j);
    }
    return i;
  }

  /** Checks a group: all values of the key, each intact. */
  static final class CheckGroup extends DoFn<KV<Long, Iterable<byte[]>>, Void> {
    private final long records;
    private final long keys;
    private final int size;

    CheckGroup(long records, long keys, int size) {
      this.records = records;
      this.keys = keys;
      this.size = size;
    }

    @ProcessElement
    public void process(@Element KV<Long, Iterable<byte[]>> group) {
      long key = group.getKey();
      long count = 0;
      long sum = 0;
      boolean intact = true;
      for (byte[] value : group.getValue()) {
        long i = number(value);
        intact &= i % keys == key && Arrays.equals(value, payload(i, size));
        count++;
        sum += i;
      }
      long expectedCount = records / keys + (key < records % keys ? 1 : 0);
      // key, key + keys, ...: expectedCount terms of an arithmetic series.
      long expectedSum = expectedCount * key + keys * expectedCount * (expectedCount - 1) / 2;
      if (!intact || count != expectedCount || sum != expectedSum) {
        BAD.inc();
      }
      GROUPS.inc();
      VALUES.inc(count);
    }
  }

  public static void main(String[] args) {
    long records = Long.parseLong(args[0]);
    long keys = Long.parseLong(args[1]);
    int size = Integer.parseInt(args[2]);
    Pipeline p =
        Pipeline.create(
            PipelineOptionsFactory.fromArgs(Arrays.copyOfRange(args, 3, args.length)).create());
    p.apply("Numbers", GenerateSequence.from(0).to(records))
        .apply(
            "Values",
            ParDo.of(
                new DoFn<Long, KV<Long, byte[]>>() {
                  @ProcessElement
                  public void process(@Element Long i, OutputReceiver<KV<Long, byte[]>> out) {
                    out.output(KV.of(i % keys, payload(i, size)));
                  }
                }))
        .setCoder(KvCoder.of(VarLongCoder.of(), ByteArrayCoder.of()))
        .apply("Group", GroupByKey.create())
        .apply("Check", ParDo.of(new CheckGroup(records, keys, size)));
    PipelineResult result = p.run();
    PipelineResult.State state = result.waitUntilFinish();
    MetricQueryResults metrics =
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.inNamespace(LargerThanHeapGroupByKeyMain.class))
                    .build());
    long groups = 0;
    long values = 0;
    long bad = 0;
    for (MetricResult<Long> c : metrics.getCounters()) {
      switch (c.getName().getName()) {
        case "groups" -> groups = c.getAttempted();
        case "values" -> values = c.getAttempted();
        case "bad" -> bad = c.getAttempted();
        default -> {}
      }
    }
    System.out.println(
        "state=" + state + " groups=" + groups + " values=" + values + " bad=" + bad);
    System.exit(state == PipelineResult.State.DONE ? 0 : 1);
  }
}
