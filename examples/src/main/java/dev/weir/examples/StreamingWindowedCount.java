package dev.weir.examples;

import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.GenerateSequence;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * A streaming job: an unbounded source of numbers at a fixed rate, each stamped with its creation
 * time, counted per residue class in one-second event-time windows; every window's counts are
 * printed when the watermark passes its end. Runs for {@code --seconds}, then cancels itself.
 */
public final class StreamingWindowedCount {

  /** Options of the streaming count. */
  public interface Options extends PipelineOptions {
    @Description("Elements per second the source generates.")
    @Default.Long(1000)
    long getRate();

    void setRate(long value);

    @Description("Seconds to run before cancelling.")
    @Default.Integer(10)
    int getSeconds();

    void setSeconds(int value);
  }

  private StreamingWindowedCount() {}

  /** Prints a window's count for one key. */
  static final class PrintWithWindow extends DoFn<KV<Long, Long>, String> {
    @ProcessElement
    public void process(
        @Element KV<Long, Long> count, BoundedWindow window, OutputReceiver<String> out) {
      String line = "window " + window + " key " + count.getKey() + ": " + count.getValue();
      System.out.println(line);
      out.output(line);
    }
  }

  public static Pipeline build(Options options) {
    Pipeline p = Pipeline.create(options);
    p.apply(
            "Generate",
            GenerateSequence.from(0)
                .withRate(options.getRate(), Duration.standardSeconds(1))
                .withTimestampFn(i -> Instant.now()))
        .apply("Window", Window.into(FixedWindows.of(Duration.standardSeconds(1))))
        .apply("Key", MapElements.into(TypeDescriptors.longs()).via((Long i) -> i % 4))
        .apply("Count", Count.perElement())
        .apply("Print", ParDo.of(new PrintWithWindow()));
    return p;
  }

  public static void main(String[] args) throws Exception {
    Options options = PipelineOptionsFactory.fromArgs(args).withValidation().as(Options.class);
    PipelineResult result = build(options).run();
    PipelineResult.State state =
        result.waitUntilFinish(Duration.standardSeconds(options.getSeconds()));
    if (state == null) {
      state = result.cancel();
    }
    System.out.println("StreamingWindowedCount ended: " + state);
  }
}
