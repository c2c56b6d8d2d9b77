package dev.weir.runner.exactlyonce;

import dev.weir.engine.cluster.RestartStrategy;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.assertj.core.api.SoftAssertions;
import org.joda.time.Duration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Exactly-once with state that Beam code changes in place, under at least twenty failures, on both
 * backends. One streaming pipeline, three consumers of the same events (per-key sequence numbers):
 * a lifted {@code Sum.longsPerKey()} and {@code Count.perKey()} over a day window (whose
 * accumulators are {@code long[]}s the combine functions change in place), and a stateful DoFn that
 * reads a bitmap ({@code byte[]}) from a ValueState, sets the event's bit and writes the same array
 * back. A snapshot that saw changes made after its barrier would, after a restore, count replayed
 * events twice: every sum and count emitted must be exact, no bit may be set twice, and every key's
 * bitmap must end full.
 */
class MutableStateExactlyOnceTest {

  private static final int KEYS = 100;
  private static final long TOTAL = 600_000;
  private static final long PER_KEY = TOTAL / KEYS;

  /**
   * Everything emitted, per run: "sum" / "count" / "bits" → every (key, value) emitted, in any
   * attempt.
   */
  static final Map<String, List<KV<Integer, Long>>> EMITTED = new ConcurrentHashMap<>();

  static final List<String> ALERTS = new CopyOnWriteArrayList<>();

  @TempDir Path checkpoints;

  /** Marks each event's sequence number in a per-key bitmap, changed in place and written back. */
  static final class Bitmaps extends DoFn<KV<Integer, Long>, KV<Integer, Long>> {
    @StateId("seen")
    private final StateSpec<ValueState<byte[]>> seenSpec = StateSpecs.value(ByteArrayCoder.of());

    @ProcessElement
    public void process(
        @Element KV<Integer, Long> event, @StateId("seen") ValueState<byte[]> seen) {
      byte[] bits = seen.read();
      if (bits == null) {
        bits = new byte[(int) (PER_KEY + 7) / 8];
      }
      int i = event.getValue().intValue();
      if ((bits[i >> 3] & (1 << (i & 7))) != 0) {
        ALERTS.add("key " + event.getKey() + ": event " + i + " counted twice");
      }
      bits[i >> 3] |= (byte) (1 << (i & 7));
      seen.write(bits);
    }

    @OnWindowExpiration
    public void end(
        @Key Integer key,
        @StateId("seen") ValueState<byte[]> seen,
        OutputReceiver<KV<Integer, Long>> out) {
      byte[] bits = seen.read();
      long set = 0;
      if (bits != null) {
        for (byte b : bits) {
          set += Integer.bitCount(b & 0xFF);
        }
      }
      out.output(KV.of(key, set));
    }
  }

  /** Records every emitted (key, value) of one result. */
  static final class Record extends DoFn<KV<Integer, Long>, Void> {
    private final String result;

    Record(String result) {
      this.result = result;
    }

    @ProcessElement
    public void process(@Element KV<Integer, Long> kv) {
      EMITTED.computeIfAbsent(result, r -> new CopyOnWriteArrayList<>()).add(kv);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"heap", "rocksdb"})
  void combinersAndStatefulDoFnsThatChangeStateInPlaceAreExactlyOnce(String backend)
      throws Exception {
    String run = "mutable-" + backend;
    ALERTS.clear();
    EMITTED.keySet().removeIf(k -> k.startsWith(run + "/"));

    Pipeline p = ChaosMonkey.streamingPipeline(run);
    PCollection<KV<Integer, Long>> events =
        p.apply("Events", Read.from(new SequencedEventSource(TOTAL, KEYS, 4, 12)));
    PCollection<KV<Integer, Long>> daily =
        events.apply("Day", Window.into(FixedWindows.of(Duration.standardDays(1))));
    daily.apply("Sum", Sum.longsPerKey()).apply("RecordSum", ParDo.of(new Record(run + "/sum")));
    daily.apply("Count", Count.perKey()).apply("RecordCount", ParDo.of(new Record(run + "/count")));
    events
        .apply("Bitmaps", ParDo.of(new Bitmaps()))
        .apply("RecordBits", ParDo.of(new Record(run + "/bits")));
    ChaosMonkey.run(
        ChaosMonkey.translate(p),
        backend,
        checkpoints,
        RestartStrategy.fixedDelay(200, java.time.Duration.ofMillis(10)),
        20);

    SoftAssertions.assertSoftly(
        softly -> {
          softly.assertThat(ALERTS).as("events counted twice in a bitmap").isEmpty();
          checkEveryKey(softly, run + "/sum", PER_KEY * (PER_KEY - 1) / 2);
          checkEveryKey(softly, run + "/count", PER_KEY);
          checkEveryKey(softly, run + "/bits", PER_KEY);
        });
  }

  /** Every key emitted, and every value emitted (in any attempt) is {@code expected}. */
  private static void checkEveryKey(SoftAssertions softly, String result, long expected) {
    List<KV<Integer, Long>> emitted = EMITTED.getOrDefault(result, List.of());
    Map<Integer, Long> wrong = new TreeMap<>();
    Set<Integer> keys = new TreeSet<>();
    for (KV<Integer, Long> kv : emitted) {
      keys.add(kv.getKey());
      if (kv.getValue() != expected) {
        wrong.put(kv.getKey(), kv.getValue());
      }
    }
    softly
        .assertThat(wrong)
        .as("%s: keys with a wrong result (expected %d each)", result, expected)
        .isEmpty();
    softly.assertThat(keys).as("%s: keys with a result", result).hasSize(KEYS);
  }
}
