package dev.weir.benchmarks.beam;

import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.GenerateSequence;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * W3: an unbounded source at a fixed rate, every record stamped with its wall-clock creation time
 * as event time, counted per key (1,000 keys) in 1 s tumbling event-time windows. The latency of a
 * window result is the wall time it reaches the sink minus the window's end.
 */
public final class LatencyWorkload {

  /** Latency figures of one run. */
  public record Result(
      long results, double p50Millis, double p99Millis, double maxMillis, long recordsPerSecond) {}

  private static final Recorder RECORDER = new Recorder(3);
  private static final AtomicLong COUNTED = new AtomicLong();
  private static volatile long measureFromMillis;

  private LatencyWorkload() {}

  /** Records how long after its window's end each result arrives. */
  static final class MeasureLatency extends DoFn<KV<Long, Long>, Void> {
    @ProcessElement
    public void process(@Element KV<Long, Long> count, BoundedWindow window) {
      long now = System.currentTimeMillis();
      long end = ((IntervalWindow) window).end().getMillis();
      if (end >= measureFromMillis) {
        RECORDER.recordValue(Math.max(0, now - end) * 1000); // microseconds
        COUNTED.addAndGet(count.getValue());
      }
    }
  }

  public static Result run(PipelineOptions options, long ratePerSecond, int seconds)
      throws Exception {
    Pipeline p = Pipeline.create(options);
    p.apply(
            "Source",
            GenerateSequence.from(0)
                .withRate(ratePerSecond, Duration.standardSeconds(1))
                .withTimestampFn(i -> Instant.now()))
        .apply("Window", Window.into(FixedWindows.of(Duration.standardSeconds(1))))
        .apply("Key", MapElements.into(TypeDescriptors.longs()).via((Long i) -> i % 1000))
        .apply("Count", Count.perElement())
        .apply("Latency", ParDo.of(new MeasureLatency()));
    // Windows that end in the first seconds include start-up; they are not measured.
    measureFromMillis = System.currentTimeMillis() + 3_000;
    RECORDER.reset();
    COUNTED.set(0);
    PipelineResult result = p.run();
    Thread.sleep(seconds * 1000L);
    result.cancel();
    Histogram h = RECORDER.getIntervalHistogram();
    long measuredSeconds = Math.max(1, seconds - 4);
    return new Result(
        h.getTotalCount(),
        h.getValueAtPercentile(50) / 1000.0,
        h.getValueAtPercentile(99) / 1000.0,
        h.getMaxValue() / 1000.0,
        COUNTED.get() / measuredSeconds);
  }
}
