package dev.weir.benchmarks.flink;

import dev.weir.benchmarks.RunResult;
import dev.weir.benchmarks.Workloads;
import java.util.BitSet;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.Collector;

/**
 * The Apache Flink (DataStream API, 2.x) side of the engine benchmarks W1 (grep) and W2 (keyed
 * sum), over exactly the records of {@link Workloads}.
 *
 * <p>Every call builds a fresh local environment (an in-JVM MiniCluster with {@code parallelism}
 * slots), in streaming execution mode, without checkpointing, and runs one bounded job on it. The
 * reported time is Flink's own net runtime of the job ({@link JobExecutionResult#getNetRuntime}):
 * the MiniCluster's start and stop (about a second) are left out, as Weir's local cluster has none.
 *
 * <p>Results leave the job through Flink accumulators ({@link JobExecutionResult}), written by a
 * parallelism-1 operator at the end of the input: no record is sent to the client, and the jobs
 * need no sink ({@code SinkFunction} and {@code SourceFunction} are gone in Flink 2). No JVM flag
 * is needed on Java 17: the jobs use only Flink's own serializers (no Kryo).
 */
public final class FlinkWorkloads {

  private static final String GREP_COUNT = "grep-count";
  static final String KEYED_ROWS = "keyed-rows";
  static final String KEYED_CHECKSUM = "keyed-checksum";

  static {
    quietLogging();
  }

  private FlinkWorkloads() {}

  /**
   * W1: counts the lines {@code 0..lines-1} that contain {@link Workloads#NEEDLE}. Each subtask
   * counts its own share and emits its count once, at the end of its input; one parallelism-1
   * operator adds the counts up. The checksum is the total count.
   */
  public static RunResult grep(long lines, int parallelism) throws Exception {
    if (lines < 1) {
      throw new IllegalArgumentException("lines must be positive: " + lines);
    }
    StreamExecutionEnvironment env = environment(parallelism);
    env.fromSequence(0, lines - 1)
        .name("lines")
        .map(new ToLine())
        .name("line")
        .filter(new ContainsNeedle())
        .name("contains-needle")
        .transform("count", Types.LONG, new CountToEnd())
        .transform("sum-counts", Types.VOID, new SumToAccumulator(GREP_COUNT))
        .setParallelism(1);
    JobExecutionResult result = env.execute("weir-bench-flink-grep");
    Long count = result.getAccumulatorResult(GREP_COUNT);
    return new RunResult(
        "flink",
        "W1 grep",
        lines,
        count == null ? 0 : count,
        result.getNetRuntime(TimeUnit.NANOSECONDS));
  }

  /**
   * W2: records {@code 0..records-1} become (key(i), i), are hash-partitioned by key, and summed
   * per key in keyed {@link ValueState}; on a key's first record an event-time timer is set at the
   * end of time, which fires on the final watermark of the bounded input and emits (key, sum). A
   * parallelism-1 operator folds every (key, sum) with {@link Workloads#foldKeyedSum}.
   *
   * @throws IllegalStateException if the job emitted a number of rows other than the number of
   *     distinct keys in the input (for example if the end-of-input timers did not fire)
   */
  public static RunResult keyedSum(long records, int parallelism) throws Exception {
    if (records < 1) {
      throw new IllegalArgumentException("records must be positive: " + records);
    }
    StreamExecutionEnvironment env = environment(parallelism);
    env.fromSequence(0, records - 1)
        .name("records")
        .map(new ToKeyed())
        .returns(Types.TUPLE(Types.LONG, Types.LONG))
        .name("key-value")
        .keyBy(new FirstField(), Types.LONG)
        .process(new SumPerKey(), Types.TUPLE(Types.LONG, Types.LONG))
        .name("sum-per-key")
        .transform("fold-sums", Types.VOID, new FoldToAccumulators())
        .setParallelism(1);
    JobExecutionResult result = env.execute("weir-bench-flink-keyed-sum");
    Long rows = result.getAccumulatorResult(KEYED_ROWS);
    Long checksum = result.getAccumulatorResult(KEYED_CHECKSUM);
    long expectedRows = distinctKeys(records);
    if (rows == null || rows != expectedRows) {
      throw new IllegalStateException(
          "Flink keyed sum emitted "
              + rows
              + " rows, expected one per distinct key: "
              + expectedRows);
    }
    return new RunResult(
        "flink",
        "W2 keyed sum",
        records,
        checksum == null ? 0 : checksum,
        result.getNetRuntime(TimeUnit.NANOSECONDS));
  }

  /** The number of distinct keys among records {@code 0..records-1} of W2. */
  static long distinctKeys(long records) {
    BitSet seen = new BitSet(Workloads.DISTINCT_KEYS);
    int distinct = 0;
    for (long i = 0; i < records && distinct < Workloads.DISTINCT_KEYS; i++) {
      int key = (int) Workloads.key(i);
      if (!seen.get(key)) {
        seen.set(key);
        distinct++;
      }
    }
    return distinct;
  }

  static StreamExecutionEnvironment environment(int parallelism) {
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be positive: " + parallelism);
    }
    // Defaults otherwise: the local environment sizes its MiniCluster for local execution
    // (parallelism slots, 64 MiB network buffers, 128 MiB managed memory), heap state backend.
    Configuration conf = new Configuration();
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
    env.setRuntimeMode(RuntimeExecutionMode.STREAMING);
    return env;
  }

  /**
   * Keeps Flink's MiniCluster from logging at INFO through slf4j-simple, unless the launcher chose
   * levels itself. It only takes effect if no slf4j-simple logger was created earlier in the JVM; a
   * launcher can pass {@code -Dorg.slf4j.simpleLogger.defaultLogLevel=warn} to be sure.
   */
  private static void quietLogging() {
    // Every MiniCluster start warns about delegation tokens and the absent log file, and its
    // shutdown sometimes about a task scheduled on a stopped executor: all harmless.
    String[][] levels = {
      {"org.apache.flink", "warn"},
      {"org.apache.pekko", "warn"},
      {"org.apache.flink.runtime.security.token", "error"},
      {"org.apache.flink.runtime.webmonitor.WebMonitorUtils", "error"},
      {"org.apache.flink.runtime.rpc.RpcEndpoint$MainThreadExecutor", "error"},
    };
    for (String[] level : levels) {
      String property = "org.slf4j.simpleLogger.log." + level[0];
      if (System.getProperty(property) == null) {
        System.setProperty(property, level[1]);
      }
    }
  }

  // ---- W1 ----

  private static final class ToLine implements MapFunction<Long, String> {
    @Override
    public String map(Long i) {
      return Workloads.line(i);
    }
  }

  private static final class ContainsNeedle implements FilterFunction<String> {
    @Override
    public boolean filter(String line) {
      return line.contains(Workloads.NEEDLE);
    }
  }

  /** Counts its subtask's records and emits the count once, at the end of the input. */
  private static final class CountToEnd extends AbstractStreamOperator<Long>
      implements OneInputStreamOperator<String, Long>, BoundedOneInput {
    private long count;

    @Override
    public void processElement(StreamRecord<String> element) {
      count++;
    }

    @Override
    public void endInput() {
      output.collect(new StreamRecord<>(count));
    }
  }

  /** Adds up the partial counts (parallelism 1) into an accumulator at the end of the input. */
  private static final class SumToAccumulator extends AbstractStreamOperator<Void>
      implements OneInputStreamOperator<Long, Void>, BoundedOneInput {
    private final String name;
    private transient LongCounter total;

    SumToAccumulator(String name) {
      this.name = name;
    }

    @Override
    public void open() throws Exception {
      super.open();
      total = new LongCounter();
      getRuntimeContext().addAccumulator(name, total);
    }

    @Override
    public void processElement(StreamRecord<Long> element) {
      total.add(element.getValue());
    }

    @Override
    public void endInput() {}
  }

  // ---- W2 ----

  private static final class ToKeyed implements MapFunction<Long, Tuple2<Long, Long>> {
    @Override
    public Tuple2<Long, Long> map(Long i) {
      return Tuple2.of(Workloads.key(i), i);
    }
  }

  /** Keys a (key, value) pair by its key. */
  static final class FirstField implements KeySelector<Tuple2<Long, Long>, Long> {
    @Override
    public Long getKey(Tuple2<Long, Long> record) {
      return record.f0;
    }
  }

  /** Sums per key; a key's first record sets an event-time timer that fires at end of input. */
  private static final class SumPerKey
      extends KeyedProcessFunction<Long, Tuple2<Long, Long>, Tuple2<Long, Long>> {
    /** Fires on the final watermark (Long.MAX_VALUE) that a bounded source sends when it ends. */
    private static final long END_OF_INPUT = Long.MAX_VALUE - 1;

    private transient ValueState<Long> sum;

    @Override
    public void open(OpenContext context) {
      sum = getRuntimeContext().getState(new ValueStateDescriptor<>("sum", Types.LONG));
    }

    @Override
    public void processElement(
        Tuple2<Long, Long> record, Context context, Collector<Tuple2<Long, Long>> out)
        throws Exception {
      Long current = sum.value();
      if (current == null) {
        context.timerService().registerEventTimeTimer(END_OF_INPUT);
        sum.update(record.f1);
      } else {
        sum.update(current + record.f1);
      }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext context, Collector<Tuple2<Long, Long>> out)
        throws Exception {
      out.collect(Tuple2.of(context.getCurrentKey(), sum.value()));
    }
  }

  /** Folds every (key, sum) into the checksum and counts the rows (parallelism 1). */
  /** Folds every (id, figure) row into the job's checksum and row accumulators. */
  static final class FoldToAccumulators extends AbstractStreamOperator<Void>
      implements OneInputStreamOperator<Tuple2<Long, Long>, Void>, BoundedOneInput {
    private transient long checksum;
    private transient LongCounter rows;
    private transient LongCounter checksumOut;

    @Override
    public void open() throws Exception {
      super.open();
      rows = new LongCounter();
      checksumOut = new LongCounter();
      getRuntimeContext().addAccumulator(KEYED_ROWS, rows);
      getRuntimeContext().addAccumulator(KEYED_CHECKSUM, checksumOut);
    }

    @Override
    public void processElement(StreamRecord<Tuple2<Long, Long>> element) {
      Tuple2<Long, Long> row = element.getValue();
      checksum = Workloads.foldKeyedSum(checksum, row.f0, row.f1);
      rows.add(1L);
    }

    @Override
    public void endInput() {
      checksumOut.add(checksum);
    }
  }
}
