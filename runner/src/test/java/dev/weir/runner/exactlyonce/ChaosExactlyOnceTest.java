package dev.weir.runner.exactlyonce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.engine.cluster.RestartStrategy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Sessions;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Duration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The state machine under a chaos monkey, on Beam: events carrying per-key sequence numbers go
 * through event-time windows and GroupByKey into a stateful ParDo that checks, per key, that the
 * sequence continues exactly where it left off (a lost event or a replay into state already holding
 * it raises an alert) and reports each key's final count when the input ends. Tasks are killed at
 * random times, while aligning barriers and while writing snapshots; the job restarts from its
 * latest checkpoint each time, at least fifty times, with the restart settings a user gets by
 * default (unlimited restarts, backing off while the job does not make progress). Afterwards there
 * is no alert and every key's count is exact. The per-key state is a mutable array, changed in
 * place as ordinary Beam code does.
 */
class ChaosExactlyOnceTest {

  private static final int KEYS = 40;
  static final Map<String, Map<Integer, Long>> FINALS = new ConcurrentHashMap<>();
  static final List<String> ALERTS = new CopyOnWriteArrayList<>();

  @TempDir Path checkpoints;

  /**
   * Per key: the next expected sequence number and the events seen, in one mutable {@code long[]}
   * changed in place and written back; alerts on any gap or repeat; the final count at the end.
   */
  static final class StateMachine extends DoFn<KV<Integer, Iterable<Long>>, KV<Integer, Long>> {
    @StateId("progress")
    private final StateSpec<ValueState<long[]>> progressSpec =
        StateSpecs.value(LongArrayCoder.INSTANCE);

    @ProcessElement
    public void process(
        @Element KV<Integer, Iterable<Long>> events,
        @StateId("progress") ValueState<long[]> state) {
      state.write(advance(state.read(), events, ALERTS::add));
    }

    /**
     * {@code progress} ({next expected, events seen}; {@code null} for none yet) moved on, in
     * place, by the key's {@code events} in sequence order; every gap or repeat is an alert.
     */
    static long[] advance(
        long[] progress, KV<Integer, Iterable<Long>> events, Consumer<String> alerts) {
      List<Long> sequence = new ArrayList<>();
      events.getValue().forEach(sequence::add);
      sequence.sort(null);
      long[] p = progress == null ? new long[2] : progress;
      for (long seq : sequence) {
        if (seq != p[0]) {
          alerts.accept("key " + events.getKey() + ": expected event " + p[0] + ", got " + seq);
        }
        p[0] = seq + 1;
        p[1]++;
      }
      return p;
    }

    @OnWindowExpiration
    public void end(
        @Key Integer key,
        @StateId("progress") ValueState<long[]> state,
        OutputReceiver<KV<Integer, Long>> out) {
      long[] progress = state.read();
      out.output(KV.of(key, progress == null ? 0 : progress[1]));
    }
  }

  /** Writes each key's final count, idempotently (the key is the identity of the record). */
  static final class FinalCounts extends DoFn<KV<Integer, Long>, Void> {
    private final String run;

    FinalCounts(String run) {
      this.run = run;
    }

    @ProcessElement
    public void process(@Element KV<Integer, Long> count) {
      FINALS
          .computeIfAbsent(run, r -> new ConcurrentHashMap<>())
          .put(count.getKey(), count.getValue());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"heap", "rocksdb"})
  void stateMachinesSeeEveryEventExactlyOnceDespiteFiftyFailuresWithDefaultRestarts(String backend)
      throws Exception {
    long total = 2_000_000;
    String run = "chaos-" + backend;
    ALERTS.clear();
    FINALS.remove(run);

    Pipeline p = ChaosMonkey.streamingPipeline(run);
    p.apply("Events", Read.from(new SequencedEventSource(total, KEYS, 4, 12)))
        .apply("Windows", Window.into(FixedWindows.of(Duration.millis(500))))
        .apply("Group", GroupByKey.create())
        .apply("Global", Window.into(new GlobalWindows()))
        .apply("StateMachine", ParDo.of(new StateMachine()))
        .apply("Sink", ParDo.of(new FinalCounts(run)));
    RestartStrategy restarts = ChaosMonkey.defaultRestarts();
    assertThat(restarts.maxRestarts()).isEqualTo(RestartStrategy.UNLIMITED);
    ChaosMonkey.run(ChaosMonkey.translate(p), backend, checkpoints, restarts, 50);

    assertThat(ALERTS).as("state machine alerts (lost or repeated events)").isEmpty();
    Map<Integer, Long> finals = FINALS.get(run);
    assertThat(finals).as("final counts").isNotNull().hasSize(KEYS);
    for (int k = 0; k < KEYS; k++) {
      assertThat(finals.get(k)).as("final count of key %d", k).isEqualTo(total / KEYS);
    }
  }

  /**
   * Moves each event later in event time by a multiple of {@value #SESSION_SPAN} ms, so that each
   * key's events (40 ms apart) form sessions of {@value #SESSION_SPAN} ms with gaps between them.
   */
  static final class SessionGaps extends DoFn<KV<Integer, Long>, KV<Integer, Long>> {
    @ProcessElement
    public void process(
        @Element KV<Integer, Long> event,
        @Timestamp org.joda.time.Instant time,
        OutputReceiver<KV<Integer, Long>> out) {
      long t = time.getMillis();
      out.outputWithTimestamp(
          event, new org.joda.time.Instant(t + t / SESSION_SPAN * SESSION_SPAN));
    }
  }

  private static final long SESSION_SPAN = 4_000;

  /**
   * The same under sessions (Weir's merging-window operator): sessions grow and merge in keyed
   * state, fire as the watermark passes them, and restore with their watermark holds.
   */
  @ParameterizedTest
  @ValueSource(strings = {"heap", "rocksdb"})
  void sessionsSeeEveryEventExactlyOnceDespiteFailures(String backend) throws Exception {
    long total = 1_000_000;
    String run = "chaos-sessions-" + backend;
    ALERTS.clear();
    FINALS.remove(run);

    Pipeline p = ChaosMonkey.streamingPipeline(run);
    p.apply("Events", Read.from(new SequencedEventSource(total, KEYS, 4, 12)))
        .apply("Gaps", ParDo.of(new SessionGaps()))
        .apply(
            "Sessions",
            Window.<KV<Integer, Long>>into(Sessions.withGapDuration(Duration.millis(100)))
                .withTimestampCombiner(TimestampCombiner.EARLIEST))
        .apply("Group", GroupByKey.create())
        .apply("Global", Window.into(new GlobalWindows()))
        .apply("StateMachine", ParDo.of(new StateMachine()))
        .apply("Sink", ParDo.of(new FinalCounts(run)));
    ChaosMonkey.run(
        ChaosMonkey.translate(p), backend, checkpoints, ChaosMonkey.defaultRestarts(), 20);

    assertThat(ALERTS).as("state machine alerts (lost or repeated events)").isEmpty();
    Map<Integer, Long> finals = FINALS.get(run);
    assertThat(finals).as("final counts").isNotNull().hasSize(KEYS);
    for (int k = 0; k < KEYS; k++) {
      assertThat(finals.get(k)).as("final count of key %d", k).isEqualTo(total / KEYS);
    }
  }
}
