package dev.weir.benchmarks.beam;

import java.util.Map;
import org.HdrHistogram.Histogram;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.GenerateSequence;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
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
 * window result is the wall time it reaches the sink minus the window's end. The sink counts each
 * result into a Beam counter per latency bucket (whole milliseconds up to 200 ms, then coarser), so
 * the figures come back through the pipeline's metrics from whichever JVM the sink ran in; the
 * percentiles are read from an HdrHistogram filled with those counts.
 */
public final class LatencyWorkload {

  /** Latency figures of one run. */
  public record Result(
      long results, double p50Millis, double p99Millis, double maxMillis, long recordsPerSecond) {}

  private static final String BUCKET = "latency-ms-";
  private static final Counter COUNTED = Metrics.counter(LatencyWorkload.class, "counted");

  private LatencyWorkload() {}

  /** The lower end of the bucket of a latency: exact below 200 ms, then 10 ms, then 100 ms. */
  static long bucket(long millis) {
    if (millis < 200) {
      return Math.max(0, millis);
    }
    if (millis < 2_000) {
      return millis / 10 * 10;
    }
    return Math.min(60_000, millis / 100 * 100);
  }

  /** Records how long after its window's end each result arrives (from {@code measureFrom}). */
  static final class MeasureLatency extends DoFn<KV<Long, Long>, Void> {
    private final long measureFromMillis;

    MeasureLatency(long measureFromMillis) {
      this.measureFromMillis = measureFromMillis;
    }

    @ProcessElement
    public void process(@Element KV<Long, Long> count, BoundedWindow window) {
      long now = System.currentTimeMillis();
      long end = ((IntervalWindow) window).end().getMillis();
      if (end >= measureFromMillis) {
        Metrics.counter(LatencyWorkload.class, BUCKET + bucket(now - end)).inc();
        COUNTED.inc(count.getValue());
      }
    }
  }

  public static Result run(PipelineOptions options, long ratePerSecond, int seconds)
      throws Exception {
    // Windows that end in the first seconds include start-up; they are not measured.
    long measureFromMillis = System.currentTimeMillis() + 3_000;
    Pipeline p = Pipeline.create(options);
    p.apply(
            "Source",
            GenerateSequence.from(0)
                .withRate(ratePerSecond, Duration.standardSeconds(1))
                .withTimestampFn(i -> Instant.now()))
        .apply("Window", Window.into(FixedWindows.of(Duration.standardSeconds(1))))
        .apply("Key", MapElements.into(TypeDescriptors.longs()).via((Long i) -> i % 1000))
        .apply("Count", Count.perElement())
        .apply("Latency", ParDo.of(new MeasureLatency(measureFromMillis)));
    PipelineResult result = p.run();
    Thread.sleep(seconds * 1000L);
    result.cancel();
    Histogram h = new Histogram(3);
    long counted = 0;
    for (Map.Entry<String, Long> c :
        BeamCounters.attempted(result, LatencyWorkload.class).entrySet()) {
      if (c.getKey().startsWith(BUCKET)) {
        h.recordValueWithCount(Long.parseLong(c.getKey().substring(BUCKET.length())), c.getValue());
      } else if (c.getKey().equals("counted")) {
        counted += c.getValue();
      }
    }
    long measuredSeconds = Math.max(1, seconds - 4);
    return new Result(
        h.getTotalCount(),
        h.getValueAtPercentile(50),
        h.getValueAtPercentile(99),
        h.getMaxValue(),
        counted / measuredSeconds);
  }
}
