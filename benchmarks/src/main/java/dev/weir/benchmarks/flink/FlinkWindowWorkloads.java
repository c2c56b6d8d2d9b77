package dev.weir.benchmarks.flink;

import dev.weir.benchmarks.RunResult;
import dev.weir.benchmarks.WindowData;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.SerializableTimestampAssigner;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.windowing.ProcessAllWindowFunction;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.EventTimeSessionWindows;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * Native Flink (DataStream API) jobs of issue 16's workloads over {@link WindowData}'s records,
 * computing what the Beam pipelines of {@code BeamWindowWorkloads} compute, folded into the same
 * checksum: S1 with event-time session windows and a count aggregate, S2 with sliding event-time
 * windows then a max over each window's counts, T1 with a keyed process function holding a value
 * and an event-time timer per key. Timestamps from the records, monotonous watermarks; times are
 * Flink's net job runtime.
 */
public final class FlinkWindowWorkloads {

  private FlinkWindowWorkloads() {}

  private static DataStream<Tuple2<Long, Long>> records(
      StreamExecutionEnvironment env,
      long n,
      SerializableTimestampAssigner<Long> time,
      MapFunction<Long, Tuple2<Long, Long>> key) {
    return env.fromSequence(0, n - 1)
        .name("records")
        .assignTimestampsAndWatermarks(
            WatermarkStrategy.<Long>forMonotonousTimestamps().withTimestampAssigner(time))
        .map(key)
        .returns(Types.TUPLE(Types.LONG, Types.LONG))
        .name("key");
  }

  /** S1: records per key and session. */
  public static RunResult sessions(long n, int parallelism) throws Exception {
    StreamExecutionEnvironment env = FlinkWorkloads.environment(parallelism);
    records(
            env,
            n,
            (i, t) -> WindowData.sessionTime(i),
            i -> Tuple2.of(WindowData.sessionKey(i), i))
        .keyBy(new FlinkWorkloads.FirstField(), Types.LONG)
        .window(EventTimeSessionWindows.withGap(Duration.ofMillis(WindowData.SESSION_GAP_MILLIS)))
        .aggregate(
            new CountRecords(),
            new SessionRow(),
            Types.LONG,
            Types.LONG,
            Types.TUPLE(Types.LONG, Types.LONG))
        .name("session-count")
        .transform("fold", Types.VOID, new FlinkWorkloads.FoldToAccumulators())
        .setParallelism(1);
    return result("S1 session count", n, env.execute("weir-bench-flink-sessions"));
  }

  /** S2: the largest count of a key in each sliding window. */
  public static RunResult sliding(long n, int parallelism) throws Exception {
    StreamExecutionEnvironment env = FlinkWorkloads.environment(parallelism);
    records(
            env,
            n,
            (i, t) -> WindowData.slidingTime(i),
            i -> Tuple2.of(WindowData.slidingKey(i), i))
        .keyBy(new FlinkWorkloads.FirstField(), Types.LONG)
        .window(
            SlidingEventTimeWindows.of(
                Duration.ofMillis(WindowData.SLIDING_SIZE_MILLIS),
                Duration.ofMillis(WindowData.SLIDING_PERIOD_MILLIS)))
        .aggregate(
            new CountRecords(),
            new WindowEndRow(),
            Types.LONG,
            Types.LONG,
            Types.TUPLE(Types.LONG, Types.LONG))
        .name("sliding-count")
        // A sliding window's results carry its last millisecond: the tumbling window of one
        // period that ends with it gathers them.
        .windowAll(TumblingEventTimeWindows.of(Duration.ofMillis(WindowData.SLIDING_PERIOD_MILLIS)))
        .process(new MaxOfWindow(), Types.TUPLE(Types.LONG, Types.LONG))
        .name("max-per-window")
        .transform("fold", Types.VOID, new FlinkWorkloads.FoldToAccumulators())
        .setParallelism(1);
    return result("S2 sliding max", n, env.execute("weir-bench-flink-sliding"));
  }

  /** T1: per key the largest value in state and a timer that emits it after the last record. */
  public static RunResult timers(long n, int parallelism) throws Exception {
    StreamExecutionEnvironment env = FlinkWorkloads.environment(parallelism);
    records(env, n, (i, t) -> WindowData.timerTime(i), i -> Tuple2.of(WindowData.timerKey(i), i))
        .keyBy(new FlinkWorkloads.FirstField(), Types.LONG)
        .process(new MaxWithTimer(n), Types.TUPLE(Types.LONG, Types.LONG))
        .name("max-with-timer")
        .transform("fold", Types.VOID, new FlinkWorkloads.FoldToAccumulators())
        .setParallelism(1);
    return result("T1 timer per key", n, env.execute("weir-bench-flink-timers"));
  }

  private static RunResult result(String workload, long n, JobExecutionResult result) {
    Long checksum = result.getAccumulatorResult(FlinkWorkloads.KEYED_CHECKSUM);
    return new RunResult(
        "flink",
        workload,
        n,
        checksum == null ? 0 : checksum,
        result.getNetRuntime(TimeUnit.NANOSECONDS));
  }

  private static final class CountRecords
      implements AggregateFunction<Tuple2<Long, Long>, Long, Long> {
    @Override
    public Long createAccumulator() {
      return 0L;
    }

    @Override
    public Long add(Tuple2<Long, Long> record, Long count) {
      return count + 1;
    }

    @Override
    public Long getResult(Long count) {
      return count;
    }

    @Override
    public Long merge(Long a, Long b) {
      return a + b;
    }
  }

  /** (session id, count), as the Beam pipeline folds it. */
  private static final class SessionRow
      extends ProcessWindowFunction<Long, Tuple2<Long, Long>, Long, TimeWindow> {
    @Override
    public void process(
        Long key, Context context, Iterable<Long> counts, Collector<Tuple2<Long, Long>> out) {
      out.collect(
          Tuple2.of(
              WindowData.sessionId(key, context.window().getStart()), counts.iterator().next()));
    }
  }

  /** (window end, count). */
  private static final class WindowEndRow
      extends ProcessWindowFunction<Long, Tuple2<Long, Long>, Long, TimeWindow> {
    @Override
    public void process(
        Long key, Context context, Iterable<Long> counts, Collector<Tuple2<Long, Long>> out) {
      out.collect(Tuple2.of(context.window().getEnd(), counts.iterator().next()));
    }
  }

  /** (window end, largest count). */
  private static final class MaxOfWindow
      extends ProcessAllWindowFunction<Tuple2<Long, Long>, Tuple2<Long, Long>, TimeWindow> {
    @Override
    public void process(
        Context context, Iterable<Tuple2<Long, Long>> counts, Collector<Tuple2<Long, Long>> out) {
      long max = Long.MIN_VALUE;
      for (Tuple2<Long, Long> c : counts) {
        max = Math.max(max, c.f1);
      }
      out.collect(Tuple2.of(context.window().getEnd(), max));
    }
  }

  private static final class MaxWithTimer
      extends KeyedProcessFunction<Long, Tuple2<Long, Long>, Tuple2<Long, Long>> {
    private final long n;
    private transient ValueState<Long> max;

    MaxWithTimer(long n) {
      this.n = n;
    }

    @Override
    public void open(OpenContext context) {
      max = getRuntimeContext().getState(new ValueStateDescriptor<>("max", Types.LONG));
    }

    @Override
    public void processElement(
        Tuple2<Long, Long> record, Context context, Collector<Tuple2<Long, Long>> out)
        throws Exception {
      Long current = max.value();
      if (current == null) {
        context.timerService().registerEventTimeTimer(WindowData.timerDeadline(record.f0, n));
      }
      if (current == null || record.f1 > current) {
        max.update(record.f1);
      }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext context, Collector<Tuple2<Long, Long>> out)
        throws Exception {
      out.collect(Tuple2.of(context.getCurrentKey(), max.value()));
      max.clear();
    }
  }
}
