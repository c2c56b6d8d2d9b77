package dev.weir.runner.exactlyonce;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Duration;

/**
 * The job of {@link KilledProcessResumeTest}, run in a JVM of its own: per-key sequence numbers
 * through event-time windows and GroupByKey into a stateful check, which appends an alert to {@code
 * <out>/alerts} on any gap or repeat and writes each key's final count to {@code <out>/key-<k>}
 * when the input ends. Arguments: the output folder, the number of events, then Weir's options.
 */
public final class KilledProcessMain {

  static final int KEYS = 16;

  /** Keys whose state this JVM has seen. */
  static final Set<Integer> SEEN_IN_THIS_JVM = ConcurrentHashMap.newKeySet();

  private KilledProcessMain() {}

  /** Checks each key's sequence in state (changed in place) and writes what it finds to files. */
  static final class SequenceCheck extends DoFn<KV<Integer, Iterable<Long>>, Void> {
    private final String out;

    @StateId("progress")
    private final StateSpec<ValueState<long[]>> progressSpec =
        StateSpecs.value(LongArrayCoder.INSTANCE);

    SequenceCheck(String out) {
      this.out = out;
    }

    @ProcessElement
    public void process(
        @Element KV<Integer, Iterable<Long>> events,
        @StateId("progress") ValueState<long[]> state) {
      long[] progress = state.read();
      boolean firstSight = SEEN_IN_THIS_JVM.add(events.getKey());
      if (progress != null && firstSight) {
        // State for a key this JVM had not seen: it came from the checkpoint resumed from.
        write(Path.of(out, "restored-key-" + events.getKey()), Long.toString(progress[1]));
      }
      state.write(
          ChaosExactlyOnceTest.StateMachine.advance(
              progress, events, alert -> append(Path.of(out, "alerts"), alert + "\n")));
    }

    @OnWindowExpiration
    public void end(@Key Integer key, @StateId("progress") ValueState<long[]> state) {
      long[] progress = state.read();
      write(Path.of(out, "key-" + key), Long.toString(progress == null ? 0 : progress[1]));
    }
  }

  private static void append(Path file, String line) {
    try {
      Files.writeString(
          file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(Path file, String text) {
    try {
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static void main(String[] args) {
    String out = args[0];
    long total = Long.parseLong(args[1]);
    String[] weirArgs = new String[args.length - 2];
    System.arraycopy(args, 2, weirArgs, 0, weirArgs.length);
    Pipeline p = Pipeline.create(PipelineOptionsFactory.fromArgs(weirArgs).create());
    p.apply("Events", Read.from(new SequencedEventSource(total, KEYS, 4, 10)))
        .apply("Windows", Window.into(FixedWindows.of(Duration.millis(200))))
        .apply("Group", GroupByKey.create())
        .apply("Global", Window.into(new GlobalWindows()))
        .apply("Check", ParDo.of(new SequenceCheck(out)));
    p.run().waitUntilFinish();
  }
}
