package dev.weir.benchmarks.batch;

import dev.weir.benchmarks.WindowData;
import dev.weir.benchmarks.beam.BeamCounters;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.GenerateSequence;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.GlobalWindows;
import org.apache.flink.streaming.api.windowing.windows.GlobalWindow;
import org.apache.flink.util.Collector;

/**
 * One batch GroupByKey of more data than its JVM's heap, run in a JVM of its own by {@link
 * BatchGroupingBenchmarks}: value {@code i} ({@code payload} bytes, its number first) belongs to
 * key {@code i mod keys}; each group folds (key, count, sum of numbers) into a checksum. As a Beam
 * pipeline on WeirRunner or the DirectRunner, or as a native Flink job in BATCH execution mode (a
 * keyed end-of-input window over sorted input, Flink's GroupByKey). Prints {@code RESULT checksum=C
 * groups=G millis=M} and exits 0, or exits non-zero.
 *
 * <p>Arguments: weir|direct|flink records keys payload parallelism.
 */
public final class BatchGroupingJob {

  private static final Counter CHECKSUM = Metrics.counter(BatchGroupingJob.class, "checksum");
  private static final Counter GROUPS = Metrics.counter(BatchGroupingJob.class, "groups");

  private BatchGroupingJob() {}

  /** Value {@code i}: its number in the first eight bytes, then bytes derived from it. */
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

  /** A group's contribution to the checksum. */
  static long fold(long key, Iterable<byte[]> values) {
    long count = 0;
    long sum = 0;
    for (byte[] v : values) {
      count++;
      sum += number(v);
    }
    return WindowData.fold(0, key, count * 1_000_003L + sum);
  }

  public static void main(String[] args) throws Exception {
    String system = args[0];
    long records = Long.parseLong(args[1]);
    long keys = Long.parseLong(args[2]);
    int size = Integer.parseInt(args[3]);
    int parallelism = Integer.parseInt(args[4]);
    long start = System.nanoTime();
    long[] result =
        system.equals("flink")
            ? flink(records, keys, size, parallelism)
            : beam(system, records, keys, size, parallelism);
    long millis = (System.nanoTime() - start) / 1_000_000;
    System.out.println(
        "RESULT checksum=" + result[0] + " groups=" + result[1] + " millis=" + millis);
    System.exit(0);
  }

  private static long[] beam(String system, long records, long keys, int size, int parallelism) {
    String[] options =
        system.equals("weir")
            ? new String[] {"--runner=WeirRunner", "--parallelism=" + parallelism}
            : new String[] {
              "--runner=DirectRunner",
              "--targetParallelism=" + parallelism,
              "--enforceImmutability=false",
              "--enforceEncodability=false"
            };
    Pipeline p = Pipeline.create(PipelineOptionsFactory.fromArgs(options).create());
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
        .apply(
            "Fold",
            ParDo.of(
                new DoFn<KV<Long, Iterable<byte[]>>, Void>() {
                  @ProcessElement
                  public void process(@Element KV<Long, Iterable<byte[]>> group) {
                    CHECKSUM.inc(fold(group.getKey(), group.getValue()));
                    GROUPS.inc();
                  }
                }));
    PipelineResult result = p.run();
    PipelineResult.State state = result.waitUntilFinish();
    if (state != PipelineResult.State.DONE) {
      throw new IllegalStateException(system + " ended " + state);
    }
    Map<String, Long> counters = BeamCounters.attempted(result, BatchGroupingJob.class);
    return new long[] {counters.getOrDefault("checksum", 0L), counters.getOrDefault("groups", 0L)};
  }

  private static long[] flink(long records, long keys, int size, int parallelism) throws Exception {
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createLocalEnvironment(parallelism, new Configuration());
    env.setRuntimeMode(RuntimeExecutionMode.BATCH);
    TypeInformation<Tuple2<Long, byte[]>> type =
        new TypeHint<Tuple2<Long, byte[]>>() {}.getTypeInfo();
    var folded =
        env.fromSequence(0, records - 1)
            .map(i -> Tuple2.of(i % keys, payload(i, size)))
            .returns(type)
            .keyBy(t -> t.f0, Types.LONG)
            .window(GlobalWindows.createWithEndOfStreamTrigger())
            .process(
                new ProcessWindowFunction<Tuple2<Long, byte[]>, Long, Long, GlobalWindow>() {
                  @Override
                  public void process(
                      Long key,
                      Context context,
                      Iterable<Tuple2<Long, byte[]>> elements,
                      Collector<Long> out) {
                    long count = 0;
                    long sum = 0;
                    for (Tuple2<Long, byte[]> e : elements) {
                      count++;
                      sum += number(e.f1);
                    }
                    out.collect(WindowData.fold(0, key, count * 1_000_003L + sum));
                  }
                })
            .returns(Types.LONG)
            .executeAndCollect();
    long checksum = 0;
    long groups = 0;
    try (folded) {
      while (folded.hasNext()) {
        checksum += folded.next();
        groups++;
      }
    }
    return new long[] {checksum, groups};
  }
}
