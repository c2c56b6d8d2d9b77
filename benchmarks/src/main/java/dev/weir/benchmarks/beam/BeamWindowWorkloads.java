package dev.weir.benchmarks.beam;

import dev.weir.benchmarks.RunResult;
import dev.weir.benchmarks.WindowData;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.GenerateSequence;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.Max;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.Sessions;
import org.apache.beam.sdk.transforms.windowing.SlidingWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Issue 16's workloads S1 (session count per key), S2 (sliding-window max of counts) and T1 (a
 * value and a timer per key over a million keys) as Beam pipelines, over {@link WindowData}'s
 * records; results fold into a checksum counter.
 */
public final class BeamWindowWorkloads {

  private static final Counter CHECKSUM = Metrics.counter(BeamWindowWorkloads.class, "checksum");
  private static final Counter ROWS = Metrics.counter(BeamWindowWorkloads.class, "rows");

  private BeamWindowWorkloads() {}

  private static PCollection<KV<Long, Long>> records(
      Pipeline p,
      long n,
      SerializableFunction<Long, Instant> time,
      SerializableFunction<Long, Long> key) {
    return p.apply("Records", GenerateSequence.from(0).to(n).withTimestampFn(time))
        .apply(
            "Key",
            MapElements.into(TypeDescriptors.kvs(TypeDescriptors.longs(), TypeDescriptors.longs()))
                .via((Long i) -> KV.of(key.apply(i), i)));
  }

  /** S1: records per key and session. */
  public static RunResult sessions(String system, PipelineOptions options, long n) {
    Pipeline p = Pipeline.create(options);
    records(p, n, i -> new Instant(WindowData.sessionTime(i)), WindowData::sessionKey)
        .apply(
            "Sessions",
            Window.into(Sessions.withGapDuration(Duration.millis(WindowData.SESSION_GAP_MILLIS))))
        .apply("Count", Count.perKey())
        .apply("Fold", ParDo.of(new FoldSessions()));
    return run(system, "S1 session count", n, p);
  }

  /** S2: the largest count of a key in each sliding window. */
  public static RunResult sliding(String system, PipelineOptions options, long n) {
    Pipeline p = Pipeline.create(options);
    records(p, n, i -> new Instant(WindowData.slidingTime(i)), WindowData::slidingKey)
        .apply(
            "Sliding",
            Window.into(
                SlidingWindows.of(Duration.millis(WindowData.SLIDING_SIZE_MILLIS))
                    .every(Duration.millis(WindowData.SLIDING_PERIOD_MILLIS))))
        .apply("Count", Count.perKey())
        .apply("Counts", Values.create())
        .apply("Max", Max.longsGlobally().withoutDefaults())
        .apply("Fold", ParDo.of(new FoldWindowMax()));
    return run(system, "S2 sliding max", n, p);
  }

  /** T1: per key the largest value in state and a timer that emits it after the last record. */
  public static RunResult timers(String system, PipelineOptions options, long n) {
    Pipeline p = Pipeline.create(options);
    records(p, n, i -> new Instant(WindowData.timerTime(i)), WindowData::timerKey)
        .apply("MaxWithTimer", ParDo.of(new MaxWithTimer(n)))
        .apply("Fold", ParDo.of(new FoldKeyed()));
    return run(system, "T1 timer per key", n, p);
  }

  static final class FoldSessions extends DoFn<KV<Long, Long>, Void> {
    @ProcessElement
    public void process(@Element KV<Long, Long> count, BoundedWindow window) {
      long start = ((IntervalWindow) window).start().getMillis();
      CHECKSUM.inc(
          WindowData.fold(0, WindowData.sessionId(count.getKey(), start), count.getValue()));
      ROWS.inc();
    }
  }

  static final class FoldWindowMax extends DoFn<Long, Void> {
    @ProcessElement
    public void process(@Element Long max, BoundedWindow window) {
      long end = ((IntervalWindow) window).end().getMillis();
      CHECKSUM.inc(WindowData.fold(0, end, max));
      ROWS.inc();
    }
  }

  static final class FoldKeyed extends DoFn<KV<Long, Long>, Void> {
    @ProcessElement
    public void process(@Element KV<Long, Long> row) {
      CHECKSUM.inc(WindowData.fold(0, row.getKey(), row.getValue()));
      ROWS.inc();
    }
  }

  /** Keeps each key's largest value; a timer set on its first record emits it. */
  static final class MaxWithTimer extends DoFn<KV<Long, Long>, KV<Long, Long>> {
    private final long n;

    @StateId("max")
    private final StateSpec<ValueState<Long>> maxSpec = StateSpecs.value(VarLongCoder.of());

    @TimerId("end")
    private final TimerSpec endSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    MaxWithTimer(long n) {
      this.n = n;
    }

    @ProcessElement
    public void process(
        @Element KV<Long, Long> record,
        @StateId("max") ValueState<Long> max,
        @TimerId("end") Timer end) {
      Long current = max.read();
      if (current == null) {
        end.set(new Instant(WindowData.timerDeadline(record.getKey(), n)));
      }
      if (current == null || record.getValue() > current) {
        max.write(record.getValue());
      }
    }

    @OnTimer("end")
    public void onEnd(
        @Key Long key, @StateId("max") ValueState<Long> max, OutputReceiver<KV<Long, Long>> out) {
      out.output(KV.of(key, max.read()));
      max.clear();
    }
  }

  private static RunResult run(String system, String workload, long n, Pipeline p) {
    long start = System.nanoTime();
    PipelineResult result = p.run();
    PipelineResult.State state = result.waitUntilFinish();
    long elapsed = System.nanoTime() - start;
    if (state != PipelineResult.State.DONE) {
      throw new IllegalStateException(workload + " on " + system + " ended " + state);
    }
    Map<String, Long> counters = BeamCounters.attempted(result, BeamWindowWorkloads.class);
    return new RunResult(system, workload, n, counters.getOrDefault("checksum", 0L), elapsed);
  }
}
