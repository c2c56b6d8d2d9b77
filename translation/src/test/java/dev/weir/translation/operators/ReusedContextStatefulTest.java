package dev.weir.translation.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.beam.runners.core.DoFnRunner;
import org.apache.beam.runners.core.DoFnRunners;
import org.apache.beam.runners.core.InMemoryStateInternals;
import org.apache.beam.runners.core.InMemoryTimerInternals;
import org.apache.beam.runners.core.NullSideInputReader;
import org.apache.beam.runners.core.StateInternals;
import org.apache.beam.runners.core.StateNamespaces;
import org.apache.beam.runners.core.StatefulDoFnRunner;
import org.apache.beam.runners.core.StepContext;
import org.apache.beam.runners.core.TimerInternals;
import org.apache.beam.runners.core.TimerInternals.TimerData;
import org.apache.beam.runners.core.metrics.MetricsContainerImpl;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.MetricName;
import org.apache.beam.sdk.metrics.MetricsEnvironment;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.DoFnSchemaInformation;
import org.apache.beam.sdk.transforms.reflect.DoFnSignature;
import org.apache.beam.sdk.transforms.reflect.DoFnSignatures;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.SlidingWindows;
import org.apache.beam.sdk.util.UserCodeException;
import org.apache.beam.sdk.util.WindowedValueMultiReceiver;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;
import org.apache.beam.sdk.values.WindowingStrategy;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A stateful DoFn on the reused-context runner leaves exactly what runners-core's
 * StatefulDoFnRunner around a SimpleDoFnRunner leaves: the same outputs, the same timers (times,
 * output timestamps, namespaces, domains), the same state, the same late elements dropped and
 * counted, the same errors.
 */
class ReusedContextStatefulTest {

  private static final TupleTag<String> MAIN = new TupleTag<>("main");

  /** Values, bags, event- and processing-time timers set every way a Timer allows. */
  static final class EveryTimer extends DoFn<KV<String, Long>, String> {
    @StateId("sum")
    private final StateSpec<ValueState<Long>> sumSpec = StateSpecs.value(VarLongCoder.of());

    @StateId("seen")
    private final StateSpec<BagState<Long>> seenSpec = StateSpecs.bag(VarLongCoder.of());

    @TimerId("end")
    private final TimerSpec endSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    @TimerId("held")
    private final TimerSpec heldSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    @TimerId("clock")
    private final TimerSpec clockSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    @ProcessElement
    public void process(
        @Element KV<String, Long> e,
        @Timestamp Instant timestamp,
        BoundedWindow window,
        @AlwaysFetched @StateId("sum") ValueState<Long> sum,
        @StateId("seen") BagState<Long> seen,
        @TimerId("end") Timer end,
        @TimerId("held") Timer held,
        @TimerId("clock") Timer clock,
        OutputReceiver<String> out) {
      Long before = sum.read();
      long total = (before == null ? 0 : before) + e.getValue();
      sum.write(total);
      seen.add(e.getValue());
      List<Long> all = new ArrayList<>();
      seen.read().forEach(all::add);
      out.output(e.getKey() + " " + total + " " + all + " in " + window.maxTimestamp().getMillis());
      end.set(window.maxTimestamp());
      switch ((int) (e.getValue() % 4)) {
        case 0 -> held.withOutputTimestamp(timestamp).set(timestamp.plus(Duration.millis(3)));
        case 1 -> held.offset(Duration.millis(7)).setRelative();
        case 2 -> held.withNoOutputTimestamp().set(window.maxTimestamp());
        default -> held.clear();
      }
      clock.offset(Duration.millis(e.getValue())).align(Duration.millis(10)).setRelative();
      if (e.getValue() == 6) {
        clock.clear();
      }
      out.outputWithTimestamp("relative " + end.getCurrentRelativeTime(), timestamp);
    }

    @OnTimer("end")
    public void onEnd(
        OnTimerContext c,
        @Key String key,
        @AlwaysFetched @StateId("sum") ValueState<Long> sum,
        @StateId("seen") BagState<Long> seen,
        @TimerId("held") Timer held,
        OutputReceiver<String> out) {
      out.output("end " + key + " " + sum.read() + " fired at " + c.fireTimestamp());
      c.outputWithTimestamp("end in " + c.window() + " " + c.timeDomain(), c.timestamp());
      seen.clear();
      if (sum.read() != null && sum.read() % 2 == 1) {
        held.offset(Duration.millis(1)).setRelative(); // sets a timer while a timer fires
        sum.write(sum.read() + 1);
      }
    }

    @OnTimer("held")
    public void onHeld(
        @Timestamp Instant timestamp,
        TimeDomain domain,
        @StateId("sum") ValueState<Long> sum,
        OutputReceiver<String> out) {
      out.outputWithTimestamp("held " + sum.read() + " " + domain, timestamp);
      out.builder("built held").output();
    }

    @OnTimer("clock")
    public void onClock(
        BoundedWindow window, @TimerId("end") Timer end, OutputReceiver<String> out) {
      out.output("clock in " + window);
      end.withOutputTimestamp(window.maxTimestamp()).set(window.maxTimestamp());
    }
  }

  /** Sets a timer with an output timestamp before its element. */
  static final class HoldTooEarly extends DoFn<KV<String, Long>, String> {
    @TimerId("t")
    private final TimerSpec spec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    @ProcessElement
    public void process(@Timestamp Instant timestamp, @TimerId("t") Timer t) {
      t.withOutputTimestamp(timestamp.minus(Duration.millis(1))).set(timestamp);
    }

    @OnTimer("t")
    public void onT() {}
  }

  /** Sets an event-time timer after its window expires. */
  static final class FiresAfterWindow extends DoFn<KV<String, Long>, String> {
    @TimerId("t")
    private final TimerSpec spec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    @ProcessElement
    public void process(BoundedWindow window, @TimerId("t") Timer t) {
      t.set(window.maxTimestamp().plus(Duration.millis(2)));
    }

    @OnTimer("t")
    public void onT() {}
  }

  /** Sets a timer without an output timestamp, and outputs when it fires. */
  static final class OutputsWithoutTimestamp extends DoFn<KV<String, Long>, String> {
    @TimerId("t")
    private final TimerSpec spec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    @ProcessElement
    public void process(@Timestamp Instant timestamp, @TimerId("t") Timer t) {
      t.withNoOutputTimestamp().set(timestamp.plus(Duration.millis(10)));
    }

    @OnTimer("t")
    public void onT(OutputReceiver<String> out) {
      out.output("not allowed");
    }
  }

  /** What a run left behind. */
  private record Result(
      List<String> outputs,
      List<TimerData> eventTimers,
      List<TimerData> processingTimers,
      long dropped) {}

  private static final class Harness {
    final List<String> outputs = new ArrayList<>();
    final InMemoryStateInternals<String> state = InMemoryStateInternals.forKey("k");
    final InMemoryTimerInternals timers = new InMemoryTimerInternals();
    final DoFnRunner<KV<String, Long>, String> runner;

    Harness(DoFn<KV<String, Long>, String> fn, WindowingStrategy<?, ?> strategy, boolean reused)
        throws Exception {
      timers.advanceProcessingTime(new Instant(1_000));
      WindowedValueMultiReceiver receiver =
          new WindowedValueMultiReceiver() {
            @Override
            public <T> void output(TupleTag<T> tag, WindowedValue<T> value) {
              outputs.add(
                  value.getValue()
                      + " at "
                      + value.getTimestamp().getMillis()
                      + " "
                      + value.getWindows());
            }
          };
      StepContext context =
          new StepContext() {
            @Override
            public StateInternals stateInternals() {
              return state;
            }

            @Override
            public TimerInternals timerInternals() {
              return timers;
            }
          };
      KvCoder<String, Long> coder = KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of());
      DoFnRunner<KV<String, Long>, String> simple =
          DoFnRunners.simpleRunner(
              PipelineOptionsFactory.create(),
              fn,
              NullSideInputReader.empty(),
              receiver,
              MAIN,
              List.of(),
              context,
              coder,
              Map.of(MAIN, StringUtf8Coder.of()),
              strategy,
              DoFnSchemaInformation.create(),
              Map.of());
      StatefulDoFnRunner.CleanupTimer<KV<String, Long>> cleanup =
          new StatefulDoFnRunner.TimeInternalsCleanupTimer<>(timers, strategy);
      @SuppressWarnings({"unchecked", "rawtypes"})
      DoFnRunner<KV<String, Long>, String> stateful =
          DoFnRunners.defaultStatefulDoFnRunner(
              fn,
              coder,
              simple,
              context,
              strategy,
              cleanup,
              new StatefulDoFnRunner.StateInternalsStateCleaner(
                  fn, state, strategy.getWindowFn().windowCoder()),
              false);
      if (!reused) {
        runner = stateful;
        return;
      }
      DoFnSignature signature = DoFnSignatures.getSignature(fn.getClass());
      assertThat(ReusedContextDoFnRunner.supports(signature, false, true)).isTrue();
      runner =
          new ReusedContextDoFnRunner<>(
              stateful,
              fn,
              signature,
              PipelineOptionsFactory.create(),
              receiver,
              MAIN,
              List.of(),
              Map.of(MAIN, StringUtf8Coder.of()),
              context,
              new ElementStateAccess<>(
                  fn,
                  signature,
                  state,
                  timers,
                  () -> timers.currentInputWatermarkTime().getMillis(),
                  strategy,
                  cleanup));
    }
  }

  private static WindowedValue<KV<String, Long>> at(long time, long value, BoundedWindow... ws) {
    return WindowedValues.of(KV.of("k", value), new Instant(time), List.of(ws), PaneInfo.NO_FIRING);
  }

  private static IntervalWindow window(long start, long end) {
    return new IntervalWindow(new Instant(start), new Instant(end));
  }

  /** Elements in fixed and overlapping windows, one of them too late once the watermark moved. */
  private static Result run(boolean reused) throws Exception {
    WindowingStrategy<?, ?> strategy =
        WindowingStrategy.of(SlidingWindows.of(Duration.millis(100)).every(Duration.millis(50)))
            .withAllowedLateness(Duration.millis(20));
    Harness h = new Harness(new EveryTimer(), strategy, reused);
    MetricsContainerImpl metrics = new MetricsContainerImpl("step");
    try (Closeable ignored = MetricsEnvironment.scopedMetricsContainer(metrics)) {
      h.runner.startBundle();
      h.runner.processElement(at(10, 0, window(-50, 50), window(0, 100)));
      h.runner.processElement(at(20, 1, window(0, 100)));
      h.runner.processElement(at(60, 2, window(0, 100), window(50, 150)));
      h.timers.advanceInputWatermark(new Instant(75));
      h.runner.processElement(at(30, 3, window(-50, 50), window(0, 100))); // late in the first
      h.runner.processElement(at(80, 4, window(50, 150)));
      h.timers.advanceProcessingTime(new Instant(1_003));
      h.runner.processElement(at(90, 5, window(50, 150)));
      h.runner.processElement(at(95, 6, window(50, 150)));
      h.runner.processElement(at(99, 7, window(50, 150)));
      h.runner.finishBundle();
    }
    // Fire what is due, windows' cleanup timers too, and what firing timers sets.
    List<TimerData> event = new ArrayList<>();
    List<TimerData> processing = new ArrayList<>();
    try (Closeable ignored = MetricsEnvironment.scopedMetricsContainer(metrics)) {
      for (Instant watermark : List.of(new Instant(160), BoundedWindow.TIMESTAMP_MAX_VALUE)) {
        h.timers.advanceInputWatermark(watermark);
        h.timers.advanceProcessingTime(BoundedWindow.TIMESTAMP_MAX_VALUE);
        h.runner.startBundle();
        fireAll(h, h.timers::removeNextEventTimer, event, reused);
        fireAll(h, h.timers::removeNextProcessingTimer, processing, reused);
        h.runner.finishBundle();
      }
    }
    long dropped =
        metrics
            .getCounter(
                MetricName.named(
                    StatefulDoFnRunner.class, StatefulDoFnRunner.DROPPED_DUE_TO_LATENESS_COUNTER))
            .getCumulative();
    return new Result(h.outputs, event, processing, dropped);
  }

  /** Fires every timer {@code next} gives, as the operator does, noting each. */
  private static void fireAll(
      Harness h, Supplier<TimerData> next, List<TimerData> fired, boolean reused) {
    for (TimerData t = next.get(); t != null; t = next.get()) {
      fired.add(t);
      BoundedWindow window = ((StateNamespaces.WindowNamespace<?>) t.getNamespace()).getWindow();
      boolean user = !t.getTimerId().startsWith("__");
      if (reused) {
        // User timers are called on the reused context, system timers on runners-core's path.
        assertThat(((ReusedContextDoFnRunner<?, ?>) h.runner).firesItself(t.getTimerId(), ""))
            .isEqualTo(user);
      }
      h.runner.onTimer(
          t.getTimerId(),
          t.getTimerFamilyId(),
          "k",
          window,
          t.getTimestamp(),
          t.getOutputTimestamp(),
          t.getDomain(),
          t.causedByDrain());
    }
  }

  @Test
  void leavesWhatRunnersCoreLeaves() throws Exception {
    Result expected = run(false);
    Result actual = run(true);
    assertThat(expected.outputs()).hasSizeGreaterThan(10);
    assertThat(expected.outputs()).anyMatch(o -> o.startsWith("end k "));
    assertThat(expected.outputs()).anyMatch(o -> o.startsWith("held "));
    assertThat(expected.outputs()).anyMatch(o -> o.startsWith("built held"));
    assertThat(expected.outputs()).anyMatch(o -> o.startsWith("clock in "));
    assertThat(expected.eventTimers()).hasSizeGreaterThan(3);
    assertThat(expected.processingTimers()).isNotEmpty();
    assertThat(expected.dropped()).isEqualTo(1);
    assertThat(actual.outputs()).isEqualTo(expected.outputs());
    assertThat(actual.eventTimers()).isEqualTo(expected.eventTimers());
    assertThat(actual.processingTimers()).isEqualTo(expected.processingTimers());
    assertThat(actual.dropped()).isEqualTo(expected.dropped());
  }

  @Test
  void badTimersFailAsInRunnersCore() throws Exception {
    WindowingStrategy<?, ?> fixed = WindowingStrategy.of(FixedWindows.of(Duration.millis(100)));
    for (DoFn<KV<String, Long>, String> fn : List.of(new HoldTooEarly(), new FiresAfterWindow())) {
      Throwable expected = failure(new Harness(fn, fixed, false));
      Throwable actual = failure(new Harness(fn, fixed, true));
      assertThat(expected).isInstanceOf(UserCodeException.class);
      assertThat(actual).isInstanceOf(UserCodeException.class);
      assertThat(actual.getCause()).isInstanceOf(expected.getCause().getClass());
      assertThat(actual.getCause().getMessage()).isEqualTo(expected.getCause().getMessage());
    }
  }

  @Test
  void outputsOfATimerWithoutOutputTimestampFailAsInRunnersCore() throws Exception {
    WindowingStrategy<?, ?> fixed = WindowingStrategy.of(FixedWindows.of(Duration.millis(100)));
    List<Throwable> failures = new ArrayList<>();
    for (boolean reused : List.of(false, true)) {
      Harness h = new Harness(new OutputsWithoutTimestamp(), fixed, reused);
      h.runner.startBundle();
      h.runner.processElement(at(120, 1, window(100, 200)));
      h.timers.advanceInputWatermark(new Instant(150));
      List<TimerData> fired = new ArrayList<>();
      failures.add(catchThrowable(() -> fireAll(h, h.timers::removeNextEventTimer, fired, reused)));
      assertThat(fired).hasSize(1);
      assertThat(h.outputs).isEmpty();
    }
    assertThat(failures.get(0)).hasRootCauseInstanceOf(IllegalArgumentException.class);
    assertThat(failures.get(1))
        .isInstanceOf(failures.get(0).getClass())
        .hasRootCauseInstanceOf(IllegalArgumentException.class)
        .hasMessage(failures.get(0).getMessage());
  }

  private static Throwable failure(Harness h) {
    h.runner.startBundle();
    return catchThrowable(() -> h.runner.processElement(at(120, 1, window(100, 200))));
  }
}
