package dev.weir.runner.semantics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.io.range.OffsetRange;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.PeriodicImpulse;
import org.apache.beam.sdk.transforms.PeriodicSequence;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.WithTimestamps;
import org.apache.beam.sdk.transforms.splittabledofn.RestrictionTracker;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Behaviours Beam specifies (and the DirectRunner shows) that the ValidatesRunner suite covers
 * thinly or not at all, in batch and in streaming.
 */
class BeamSemanticsTest {

  static PipelineOptions options(boolean streaming) {
    return PipelineOptionsFactory.fromArgs(
            "--runner=WeirRunner", "--parallelism=2", "--streaming=" + streaming)
        .create();
  }

  static Pipeline pipeline(boolean streaming) {
    return Pipeline.create(options(streaming));
  }

  @ParameterizedTest(name = "streaming={0}")
  @ValueSource(booleans = {false, true})
  void anEmptyPipelineRunsAndIsDone(boolean streaming) {
    PipelineResult result = pipeline(streaming).run();
    assertThat(result.waitUntilFinish()).isEqualTo(PipelineResult.State.DONE);
    assertThat(result.getState()).isEqualTo(PipelineResult.State.DONE);
    assertThat(result.metrics().allMetrics().getCounters()).isEmpty();
  }

  /** An Integer coder whose encode throws what it is given. */
  static final class ThrowingCoder extends CustomCoder<Integer> {
    private final boolean npe;

    ThrowingCoder(boolean npe) {
      this.npe = npe;
    }

    @Override
    public void encode(Integer value, OutputStream out) throws IOException {
      if (npe) {
        throw new NullPointerException("ThrowingCoder cannot encode " + value);
      }
      throw new IOException("ThrowingCoder cannot encode " + value);
    }

    @Override
    public Integer decode(InputStream in) throws IOException {
      return VarIntCoder.of().decode(in);
    }
  }

  @ParameterizedTest(name = "npe={0}")
  @ValueSource(booleans = {false, true})
  void anElementItsCoderCannotEncodeFailsThePipelineOnAChainedEdge(boolean npe) {
    Pipeline p = pipeline(false);
    PCollection<Integer> broken =
        p.apply(Create.of(1, 2, 3))
            .apply("plus one", MapElements.into(TypeDescriptors.integers()).via(i -> i + 1))
            .setCoder(new ThrowingCoder(npe));
    broken.apply("times two", MapElements.into(TypeDescriptors.integers()).via(i -> i * 2));
    assertThatThrownBy(() -> p.run().waitUntilFinish())
        .isInstanceOf(Pipeline.PipelineExecutionException.class)
        .hasRootCauseInstanceOf(npe ? NullPointerException.class : IOException.class)
        .rootCause()
        .hasMessageContaining("ThrowingCoder cannot encode");
  }

  /** How a DoFn outputs with a timestamp; each may run on a different path of the runner. */
  enum Emission {
    CONTEXT,
    RECEIVER,
    BUILDER,
    MULTI_OUTPUT,
    STATEFUL,
    ON_TIMER,
    WITH_TIMESTAMPS,
    SIDE_INPUT
  }

  /** Outputs each element shifted back by {@code shiftMillis}, allowing {@code skewMillis}. */
  abstract static class Shifter extends DoFn<KV<String, Integer>, Integer> {
    final long shiftMillis;
    final long skewMillis;
    final Emission emission;

    Shifter(long shiftMillis, long skewMillis, Emission emission) {
      this.shiftMillis = shiftMillis;
      this.skewMillis = skewMillis;
      this.emission = emission;
    }

    @Override
    @SuppressWarnings("deprecation")
    public Duration getAllowedTimestampSkew() {
      return Duration.millis(skewMillis);
    }
  }

  static final class ShiftBack extends Shifter {
    ShiftBack(long shiftMillis, long skewMillis, Emission emission) {
      super(shiftMillis, skewMillis, emission);
    }

    @ProcessElement
    public void process(ProcessContext c, MultiOutputReceiver out) {
      Instant shifted = c.timestamp().minus(Duration.millis(shiftMillis));
      Integer value = c.element().getValue();
      switch (emission) {
        case CONTEXT -> c.outputWithTimestamp(value, shifted);
        case RECEIVER -> out.get(MAIN).outputWithTimestamp(value, shifted);
        case BUILDER -> out.get(MAIN).builder(value).setTimestamp(shifted).output();
        case MULTI_OUTPUT -> c.outputWithTimestamp(SIDE, value, shifted);
        case SIDE_INPUT -> out.get(MAIN).outputWithTimestamp(value, shifted);
        default -> throw new IllegalStateException(emission.name());
      }
    }
  }

  /** The same from a stateful DoFn (another runner path), from the element or from a timer. */
  static final class StatefulShiftBack extends Shifter {
    @StateId("seen")
    private final StateSpec<ValueState<Integer>> seen = StateSpecs.value();

    @TimerId("at")
    private final TimerSpec at = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    StatefulShiftBack(long shiftMillis, long skewMillis, Emission emission) {
      super(shiftMillis, skewMillis, emission);
    }

    @ProcessElement
    public void processStateful(
        ProcessContext c,
        @StateId("seen") ValueState<Integer> seen,
        @TimerId("at") Timer at,
        OutputReceiver<Integer> out) {
      seen.write(c.element().getValue());
      if (emission == Emission.ON_TIMER) {
        at.set(c.timestamp());
      } else {
        out.outputWithTimestamp(
            c.element().getValue(), c.timestamp().minus(Duration.millis(shiftMillis)));
      }
    }

    @OnTimer("at")
    public void onTimer(OnTimerContext c, @StateId("seen") ValueState<Integer> seen) {
      c.outputWithTimestamp(seen.read(), c.timestamp().minus(Duration.millis(shiftMillis)));
    }
  }

  static final TupleTag<Integer> MAIN = new TupleTag<>() {};
  static final TupleTag<Integer> SIDE = new TupleTag<>() {};

  private static PCollection<KV<String, Integer>> timestamped(Pipeline p) {
    return p.apply(
        Create.timestamped(
            TimestampedValue.of(KV.of("a", 1), new Instant(10_000)),
            TimestampedValue.of(KV.of("b", 2), new Instant(20_000))));
  }

  private static PCollection<Integer> shiftBack(
      Pipeline p, long shiftMillis, long skewMillis, Emission emission) {
    if (emission == Emission.WITH_TIMESTAMPS) {
      return timestamped(p)
          .apply(
              WithTimestamps.of(
                      (KV<String, Integer> kv) ->
                          new Instant(kv.getValue() * 10_000L - shiftMillis))
                  .withAllowedTimestampSkew(Duration.millis(skewMillis)))
          .apply(MapElements.into(TypeDescriptors.integers()).via(KV::getValue));
    }
    Shifter fn =
        emission == Emission.STATEFUL || emission == Emission.ON_TIMER
            ? new StatefulShiftBack(shiftMillis, skewMillis, emission)
            : new ShiftBack(shiftMillis, skewMillis, emission);
    ParDo.MultiOutput<KV<String, Integer>, Integer> parDo =
        ParDo.of(fn).withOutputTags(MAIN, TupleTagList.of(SIDE));
    if (emission == Emission.SIDE_INPUT) {
      // With a side input the DoFn runs on another path of the runner (pushed-back elements).
      PCollectionView<Integer> side = p.apply("side", Create.of(0)).apply(View.asSingleton());
      parDo = parDo.withSideInputs(side);
    }
    PCollectionTuple outputs = timestamped(p).apply(parDo);
    return emission == Emission.MULTI_OUTPUT ? outputs.get(SIDE) : outputs.get(MAIN);
  }

  @ParameterizedTest(name = "streaming={0}")
  @ValueSource(booleans = {false, true})
  void anOutputBeforeTheAllowedSkewFailsWithBeamsMessage(boolean streaming) {
    for (Emission emission : Emission.values()) {
      for (long skew : List.of(0L, 500L)) {
        Pipeline p = pipeline(streaming);
        shiftBack(p, skew + 1, skew, emission);
        assertThatThrownBy(() -> p.run().waitUntilFinish())
            .as("%s skew=%s", emission, skew)
            .isInstanceOf(Pipeline.PipelineExecutionException.class)
            .rootCause()
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("Cannot output with timestamp");
      }
    }
  }

  @ParameterizedTest(name = "streaming={0}")
  @ValueSource(booleans = {false, true})
  void anOutputWithinTheAllowedSkewPasses(boolean streaming) {
    for (Emission emission : Emission.values()) {
      Pipeline p = pipeline(streaming);
      PAssert.that(shiftBack(p, 500, 500, emission)).containsInAnyOrder(1, 2);
      assertThat(p.run().waitUntilFinish()).as("%s", emission).isEqualTo(PipelineResult.State.DONE);
    }
  }

  /** Reads its element as a Row: only possible when the input has a schema. */
  static final class ReadsARow extends DoFn<KV<String, Integer>, String> {
    @ProcessElement
    public void process(@Element Row row, OutputReceiver<String> out) {
      out.output(row.toString());
    }
  }

  @ParameterizedTest(name = "streaming={0}")
  @ValueSource(booleans = {false, true})
  void aDoFnAskingForASchemaItsInputLacksIsRejectedBeforeTheJobStarts(boolean streaming) {
    Pipeline p = pipeline(streaming);
    p.apply(Create.of(KV.of("a", 1))).apply("reads a row", ParDo.of(new ReadsARow()));
    assertThatThrownBy(p::run)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reads a row")
        .hasMessageContaining("schema");
  }

  /** Adds what a DoFn saw to its run's list: pipelines run in this JVM, so a static map works. */
  static <T> void record(Map<String, List<T>> results, String run, T value) {
    results.computeIfAbsent(run, k -> Collections.synchronizedList(new ArrayList<>())).add(value);
  }

  /** When (processing time) each element arrived, by its scheduled time; static: one JVM. */
  static final Map<String, List<long[]>> ARRIVALS = new ConcurrentHashMap<>();

  static final class RecordArrival extends DoFn<Instant, Instant> {
    private final String run;

    RecordArrival(String run) {
      this.run = run;
    }

    @ProcessElement
    public void process(@Element Instant scheduled, OutputReceiver<Instant> out) {
      record(ARRIVALS, run, new long[] {scheduled.getMillis(), System.currentTimeMillis()});
      out.output(scheduled);
    }
  }

  @ParameterizedTest(name = "streaming={0}")
  @ValueSource(booleans = {false, true})
  void periodicSequenceEmitsEachElementNoEarlierThanItsTime(boolean streaming) {
    String run = "sequence-" + streaming;
    long interval = 200;
    Instant start = Instant.now().plus(Duration.millis(1000));
    Instant end = start.plus(Duration.millis(5 * interval));
    Pipeline p = pipeline(streaming);
    p.apply(
            Create.of(
                new PeriodicSequence.SequenceDefinition(start, end, Duration.millis(interval))))
        .apply(PeriodicSequence.create())
        .apply(ParDo.of(new RecordArrival(run)));
    assertThat(p.run().waitUntilFinish()).isEqualTo(PipelineResult.State.DONE);
    assertArrivedOnSchedule(ARRIVALS.get(run), 5);
  }

  @ParameterizedTest(name = "streaming={0}")
  @ValueSource(booleans = {false, true})
  void periodicImpulseEmitsEachElementNoEarlierThanItsTime(boolean streaming) {
    String run = "impulse-" + streaming;
    long interval = 200;
    Instant start = Instant.now().plus(Duration.millis(1000));
    Pipeline p = pipeline(streaming);
    p.apply(
            PeriodicImpulse.create()
                .startAt(start)
                .stopAt(start.plus(Duration.millis(5 * interval)))
                .withInterval(Duration.millis(interval)))
        .apply(ParDo.of(new RecordArrival(run)));
    assertThat(p.run().waitUntilFinish()).isEqualTo(PipelineResult.State.DONE);
    assertArrivedOnSchedule(ARRIVALS.get(run), 5);
  }

  /**
   * Every element came out no earlier than the processing time it was scheduled for (2 ms for clock
   * rounding). Elements whose time passed before the job started come out at once, by design.
   */
  private static void assertArrivedOnSchedule(List<long[]> arrivals, int atLeast) {
    assertThat(arrivals).hasSizeGreaterThanOrEqualTo(atLeast);
    for (long[] a : arrivals) {
      assertThat(a[1])
          .as("arrival of the element scheduled at %d", a[0])
          .isGreaterThanOrEqualTo(a[0] - 2);
    }
  }

  /** Outputs one position of its range per call, then asks to resume after {@code delay}. */
  @DoFn.UnboundedPerElement
  static final class OnePerResume extends DoFn<String, Long> {
    private final long delayMillis;

    OnePerResume(long delayMillis) {
      this.delayMillis = delayMillis;
    }

    @GetInitialRestriction
    public OffsetRange initial(@Element String run) {
      return new OffsetRange(0, 5);
    }

    @ProcessElement
    public ProcessContinuation process(
        @Element String run,
        RestrictionTracker<OffsetRange, Long> tracker,
        OutputReceiver<Long> out) {
      long position = tracker.currentRestriction().getFrom();
      if (!tracker.tryClaim(position)) {
        return ProcessContinuation.stop();
      }
      record(ARRIVALS, run, new long[] {position, System.currentTimeMillis()});
      out.output(position);
      return ProcessContinuation.resume().withResumeDelay(Duration.millis(delayMillis));
    }
  }

  @ParameterizedTest(name = "streaming={0}")
  @ValueSource(booleans = {false, true})
  void aSelfCheckpointResumesNoEarlierThanItsResumeDelay(boolean streaming) {
    String run = "resume-" + streaming;
    long delay = 200;
    Pipeline p = pipeline(streaming);
    PCollection<Long> positions = p.apply(Create.of(run)).apply(ParDo.of(new OnePerResume(delay)));
    PAssert.that(positions).containsInAnyOrder(0L, 1L, 2L, 3L, 4L);
    assertThat(p.run().waitUntilFinish()).isEqualTo(PipelineResult.State.DONE);
    List<long[]> arrivals = new ArrayList<>(ARRIVALS.get(run));
    arrivals.sort((a, b) -> Long.compare(a[0], b[0]));
    assertThat(arrivals).hasSize(5);
    for (int i = 1; i < arrivals.size(); i++) {
      assertThat(arrivals.get(i)[1] - arrivals.get(i - 1)[1])
          .as("processing time between outputs %d and %d", i - 1, i)
          .isGreaterThanOrEqualTo(delay - 2);
    }
  }
}
