package dev.weir.translation.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.runners.core.DoFnRunner;
import org.apache.beam.runners.core.DoFnRunners;
import org.apache.beam.runners.core.NullSideInputReader;
import org.apache.beam.runners.core.StateInternals;
import org.apache.beam.runners.core.StepContext;
import org.apache.beam.runners.core.TimerInternals;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.range.OffsetRange;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.DoFnSchemaInformation;
import org.apache.beam.sdk.transforms.reflect.DoFnSignatures;
import org.apache.beam.sdk.transforms.splittabledofn.OffsetRangeTracker;
import org.apache.beam.sdk.transforms.splittabledofn.RestrictionTracker;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.util.UserCodeException;
import org.apache.beam.sdk.util.WindowedValueMultiReceiver;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;
import org.apache.beam.sdk.values.WindowingStrategy;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The reused-context runner gives exactly what runners-core's SimpleDoFnRunner gives for stateless
 * DoFns, and admits state and timers only when keyed (see {@code ReusedContextStatefulTest}).
 */
class ReusedContextDoFnRunnerTest {

  private static final TupleTag<String> MAIN = new TupleTag<>("main");
  private static final TupleTag<String> SIDE = new TupleTag<>("side");
  private static final IntervalWindow W1 = new IntervalWindow(new Instant(0), new Instant(100));
  private static final IntervalWindow W2 = new IntervalWindow(new Instant(50), new Instant(150));

  /**
   * Uses every kind of output a stateless DoFn has, and its element, timestamp, pane and window.
   */
  static final class EveryOutput extends DoFn<Long, String> {
    @ProcessElement
    public void process(
        @Element Long element,
        @Timestamp Instant timestamp,
        BoundedWindow window,
        PaneInfo pane,
        OutputReceiver<String> out,
        MultiOutputReceiver tagged,
        ProcessContext c) {
      out.output(
          "plain:" + element + "@" + window.maxTimestamp().getMillis() + ":" + pane.getTiming());
      out.outputWithTimestamp("later:" + element, timestamp.plus(Duration.millis(5)));
      out.builder("built:" + element).setTimestamp(timestamp.plus(Duration.millis(1))).output();
      c.output(SIDE, "side:" + element);
      tagged.get(SIDE).output("tagged:" + element);
      c.outputWithTimestamp("ctx:" + element, timestamp);
    }
  }

  /** Does not observe its window: one call for an element in two windows. */
  static final class Plain extends DoFn<Long, String> {
    @ProcessElement
    public void process(ProcessContext c) {
      c.output("v" + c.element());
    }
  }

  static final class Throwing extends DoFn<Long, String> {
    @ProcessElement
    public void process(@Element Long element) {
      throw new IllegalStateException("user failure on " + element);
    }
  }

  static final class TooEarly extends DoFn<Long, String> {
    @ProcessElement
    public void process(
        @Element Long element, @Timestamp Instant timestamp, OutputReceiver<String> out) {
      out.outputWithTimestamp("x", timestamp.minus(Duration.millis(1)));
    }
  }

  static final class UnknownTag extends DoFn<Long, String> {
    @ProcessElement
    public void process(ProcessContext c) {
      c.output(new TupleTag<String>("nobody"), "x");
    }
  }

  static final class Stateful extends DoFn<Long, String> {
    @StateId("s")
    private final StateSpec<ValueState<Long>> spec = StateSpecs.value(VarLongCoder.of());

    @ProcessElement
    public void process(@StateId("s") ValueState<Long> state) {}
  }

  static final class Splittable extends DoFn<Long, String> {
    @ProcessElement
    public void process(RestrictionTracker<OffsetRange, Long> tracker) {}

    @GetInitialRestriction
    public OffsetRange initial(@Element Long element) {
      return new OffsetRange(0, element);
    }

    @NewTracker
    public OffsetRangeTracker tracker(@Restriction OffsetRange range) {
      return new OffsetRangeTracker(range);
    }
  }

  private record Emitted(TupleTag<?> tag, WindowedValue<?> value) {}

  private static DoFnRunner<Long, String> simple(DoFn<Long, String> fn, List<Emitted> sink) {
    WindowedValueMultiReceiver receiver =
        new WindowedValueMultiReceiver() {
          @Override
          public <T> void output(TupleTag<T> tag, WindowedValue<T> value) {
            sink.add(new Emitted(tag, value));
          }
        };
    return DoFnRunners.simpleRunner(
        PipelineOptionsFactory.create(),
        fn,
        NullSideInputReader.empty(),
        receiver,
        MAIN,
        List.of(SIDE),
        stepContext(),
        VarLongCoder.of(),
        Map.of(),
        WindowingStrategy.globalDefault(),
        DoFnSchemaInformation.create(),
        Map.of());
  }

  private static DoFnRunner<Long, String> reused(DoFn<Long, String> fn, List<Emitted> sink) {
    WindowedValueMultiReceiver receiver =
        new WindowedValueMultiReceiver() {
          @Override
          public <T> void output(TupleTag<T> tag, WindowedValue<T> value) {
            sink.add(new Emitted(tag, value));
          }
        };
    assertThat(
            ReusedContextDoFnRunner.supports(
                DoFnSignatures.getSignature(fn.getClass()), false, false))
        .isTrue();
    return new ReusedContextDoFnRunner<>(
        simple(fn, sink),
        fn,
        DoFnSignatures.getSignature(fn.getClass()),
        PipelineOptionsFactory.create(),
        receiver,
        MAIN,
        List.of(SIDE),
        Map.of(),
        stepContext(),
        null);
  }

  private static StepContext stepContext() {
    return new StepContext() {
      @Override
      public StateInternals stateInternals() {
        throw new UnsupportedOperationException();
      }

      @Override
      public TimerInternals timerInternals() {
        throw new UnsupportedOperationException();
      }
    };
  }

  private static List<WindowedValue<Long>> input() {
    PaneInfo early = PaneInfo.createPane(true, false, PaneInfo.Timing.EARLY, 0, -1);
    return List.of(
        WindowedValues.of(1L, new Instant(10), List.of(W1, W2), early),
        WindowedValues.of(2L, new Instant(60), W2, PaneInfo.NO_FIRING),
        WindowedValues.valueInGlobalWindow(3L));
  }

  private static void run(DoFnRunner<Long, String> runner) {
    runner.startBundle();
    input().forEach(runner::processElement);
    runner.finishBundle();
  }

  @Test
  void outputsEqualSimpleDoFnRunnersForEveryOutputKind() {
    for (DoFn<Long, String> fn : List.of(new EveryOutput(), new Plain())) {
      List<Emitted> expected = new ArrayList<>();
      run(simple(fn, expected));
      List<Emitted> actual = new ArrayList<>();
      run(reused(fn, actual));
      assertThat(actual).isNotEmpty().isEqualTo(expected);
    }
  }

  @Test
  void aWindowObservingDoFnSeesEachWindowOnceAndAPlainOneSeesTheElementOnce() {
    List<Emitted> sink = new ArrayList<>();
    run(reused(new EveryOutput(), sink));
    // element 1 is in two windows: six outputs per window; elements 2 and 3 in one each
    assertThat(sink).hasSize(6 * 4);
    List<Emitted> plainSink = new ArrayList<>();
    run(reused(new Plain(), plainSink));
    assertThat(plainSink).hasSize(3);
    assertThat(new ArrayList<BoundedWindow>(plainSink.get(0).value().getWindows()))
        .containsExactlyInAnyOrder(W1, W2);
  }

  @Test
  void userExceptionsAndBadOutputsFailAsInRunnersCore() {
    assertThatThrownBy(
            () ->
                reused(new Throwing(), new ArrayList<>())
                    .processElement(WindowedValues.valueInGlobalWindow(7L)))
        .isInstanceOf(UserCodeException.class)
        .hasRootCauseInstanceOf(IllegalStateException.class)
        .hasRootCauseMessage("user failure on 7");
    WindowedValue<Long> at100 = WindowedValues.timestampedValueInGlobalWindow(7L, new Instant(100));
    Throwable expected =
        catchThrowable(() -> simple(new TooEarly(), new ArrayList<>()).processElement(at100));
    assertThatThrownBy(() -> reused(new TooEarly(), new ArrayList<>()).processElement(at100))
        .hasRootCauseInstanceOf(IllegalArgumentException.class)
        .rootCause()
        .hasMessageContaining("Cannot output with timestamp")
        .hasMessage(expected.getCause().getMessage());
    assertThatThrownBy(
            () ->
                reused(new UnknownTag(), new ArrayList<>())
                    .processElement(WindowedValues.valueInGlobalWindow(7L)))
        .rootCause()
        .hasMessageContaining("Unknown output tag");
  }

  @Test
  void onlyElementScopedDoFnsQualifyAndStateOnlyWhenKeyed() {
    assertThat(supports(Plain.class, false, false)).isTrue();
    assertThat(supports(Plain.class, true, false)).isFalse();
    assertThat(supports(Stateful.class, false, false)).isFalse();
    assertThat(supports(Stateful.class, false, true)).isTrue();
    assertThat(supports(Stateful.class, true, true)).isFalse();
    assertThat(supports(Splittable.class, false, false)).isFalse();
  }

  private static boolean supports(
      Class<? extends DoFn<?, ?>> fn, boolean sideInputs, boolean keyed) {
    return ReusedContextDoFnRunner.supports(DoFnSignatures.getSignature(fn), sideInputs, keyed);
  }
}
