package dev.weir.translation.operators;

import java.util.Collection;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.state.State;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.DoFnOutputReceivers;
import org.apache.beam.sdk.transforms.reflect.DoFnInvoker;
import org.apache.beam.sdk.transforms.reflect.DoFnSignature;
import org.apache.beam.sdk.transforms.reflect.DoFnSignature.Parameter;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.util.OutputBuilderSupplier;
import org.apache.beam.sdk.util.WindowedValueReceiver;
import org.apache.beam.sdk.values.CausedByDrain;
import org.apache.beam.sdk.values.OutputBuilder;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;
import org.joda.time.Instant;

/**
 * Calls a stateful DoFn's {@code @OnTimer} methods with one context, argument provider and output
 * receiver reused for every timer, where runners-core makes them, a builder, and a state tag,
 * namespace and timer per parameter for each timer that fires (a third of what a DoFn with a timer
 * per key allocated once its elements took the reused path). The key is decoded only if the method
 * asks for it.
 *
 * <p>The semantics are SimpleDoFnRunner's: outputs are at the timer's output timestamp in its
 * window, pane {@code NO_FIRING}, unless the method gives its own timestamp (checked against the
 * allowed skew); timers set in the method take the timer's output timestamp as their input's. Only
 * methods whose parameters {@link #supports} lists qualify; timer families keep runners-core's
 * path. Task thread only.
 */
final class TimerInvocation<InputT, OutputT> extends DoFn<InputT, OutputT>.OnTimerContext
    implements UnavailableArguments<InputT, OutputT>, OutputBuilderSupplier {

  private final DoFn<InputT, OutputT> fn;
  private final DoFnInvoker<InputT, OutputT> invoker;
  private final PipelineOptions options;
  private final DoFnOutputs<OutputT> outputs;
  private final ElementStateAccess<InputT> keyed;
  private final Map<String, DoFnSignature.OnTimerMethod> methods;
  private final MainReceiver mainReceiver = new MainReceiver();

  private String timerId;
  private BoundedWindow window;
  private Instant fireTimestamp;
  private Instant timestamp;
  private TimeDomain timeDomain;
  private CausedByDrain causedByDrain;
  private Supplier<?> key;

  TimerInvocation(
      DoFn<InputT, OutputT> fn,
      DoFnSignature signature,
      DoFnInvoker<InputT, OutputT> invoker,
      PipelineOptions options,
      DoFnOutputs<OutputT> outputs,
      ElementStateAccess<InputT> keyed) {
    fn.super();
    this.fn = fn;
    this.invoker = invoker;
    this.options = options;
    this.outputs = outputs;
    this.keyed = keyed;
    this.methods = signature.onTimerMethods();
  }

  /** Whether every {@code @OnTimer} method (not timer families) of the DoFn can be called here. */
  static boolean supports(DoFnSignature signature) {
    for (DoFnSignature.OnTimerMethod method : signature.onTimerMethods().values()) {
      for (Parameter p : method.extraParameters()) {
        boolean supported =
            p instanceof Parameter.OnTimerContextParameter
                || p instanceof Parameter.WindowParameter
                || p instanceof Parameter.TimestampParameter
                || p instanceof Parameter.TimeDomainParameter
                || p instanceof Parameter.KeyParameter
                || p instanceof Parameter.StateParameter
                || p instanceof Parameter.TimerParameter
                || p instanceof Parameter.TimerIdParameter
                || p instanceof Parameter.PipelineOptionsParameter
                || p instanceof Parameter.CausedByDrainParameter
                || p instanceof Parameter.TaggedOutputReceiverParameter
                || (p instanceof Parameter.OutputReceiverParameter
                    && !((Parameter.OutputReceiverParameter) p).isRowReceiver());
        if (!supported) {
          return false;
        }
      }
    }
    return true;
  }

  /** Whether the timer of this id and family is one of the DoFn's {@code @OnTimer} timers. */
  boolean handles(String timerId, String timerFamilyId) {
    return timerFamilyId.isEmpty() && methods.containsKey(timerId);
  }

  /** Calls the timer's {@code @OnTimer} method; {@code key} gives the current key if asked. */
  void fire(
      String timerId,
      BoundedWindow window,
      Instant fireTimestamp,
      Instant outputTimestamp,
      TimeDomain timeDomain,
      CausedByDrain causedByDrain,
      Supplier<?> key) {
    this.timerId = timerId;
    this.window = window;
    this.fireTimestamp = fireTimestamp;
    this.timestamp = outputTimestamp;
    this.timeDomain = timeDomain;
    this.causedByDrain = causedByDrain;
    this.key = key;
    invoker.invokeOnTimer(timerId, "", this);
  }

  private WindowedValue<OutputT> at(OutputT value, Instant outputTimestamp) {
    return WindowedValues.of(
        value, outputTimestamp, window, PaneInfo.NO_FIRING, null, null, causedByDrain);
  }

  // OnTimerContext

  @Override
  public Instant timestamp() {
    return timestamp;
  }

  @Override
  public Instant fireTimestamp() {
    return fireTimestamp;
  }

  @Override
  public BoundedWindow window() {
    return window;
  }

  @Override
  public TimeDomain timeDomain() {
    return timeDomain;
  }

  @Override
  public CausedByDrain causedByDrain() {
    return causedByDrain;
  }

  @Override
  public PipelineOptions getPipelineOptions() {
    return options;
  }

  @Override
  public void output(OutputT output) {
    // A timer without an output timestamp has one past the end of time: no output allowed.
    outputs.checkTimestamp(timestamp, timestamp);
    outputs.emitMain(at(output, timestamp));
  }

  @Override
  public void outputWithTimestamp(OutputT output, Instant outputTimestamp) {
    outputs.checkTimestamp(timestamp, outputTimestamp);
    outputs.emitMain(at(output, outputTimestamp));
  }

  @Override
  public void outputWindowedValue(
      OutputT output,
      Instant outputTimestamp,
      Collection<? extends BoundedWindow> windows,
      PaneInfo paneInfo) {
    outputWindowedValue(outputs.mainTag, output, outputTimestamp, windows, paneInfo);
  }

  @Override
  public <T> void output(TupleTag<T> tag, T output) {
    outputWithTimestamp(tag, output, timestamp);
  }

  @Override
  public <T> void outputWithTimestamp(TupleTag<T> tag, T output, Instant outputTimestamp) {
    outputs.checkTimestamp(timestamp, outputTimestamp);
    outputs.emit(
        tag,
        WindowedValues.of(
            output, outputTimestamp, window, PaneInfo.NO_FIRING, null, null, causedByDrain));
  }

  @Override
  public <T> void outputWindowedValue(
      TupleTag<T> tag,
      T output,
      Instant outputTimestamp,
      Collection<? extends BoundedWindow> windows,
      PaneInfo paneInfo) {
    outputs.checkTimestamp(timestamp, outputTimestamp);
    outputs.emit(
        tag,
        WindowedValues.of(output, outputTimestamp, windows, paneInfo, null, null, causedByDrain));
  }

  @Override
  public <T> void outputWindowedValue(TupleTag<T> tag, WindowedValue<T> windowedValue) {
    outputs.checkTimestamp(timestamp, windowedValue.getTimestamp());
    outputs.emit(tag, windowedValue);
  }

  @Override
  public void outputWindowedValue(WindowedValue<OutputT> windowedValue) {
    outputWindowedValue(outputs.mainTag, windowedValue);
  }

  // OutputBuilderSupplier: outputs built from the timer's timestamp, window and pane

  @Override
  public <T> WindowedValues.Builder<T> builder(T value) {
    return WindowedValues.<T>builder()
        .setValue(value)
        .setTimestamp(timestamp)
        .setWindow(window)
        .setPaneInfo(PaneInfo.NO_FIRING)
        .setCausedByDrain(causedByDrain);
  }

  // ArgumentProvider

  @Override
  public Instant timestamp(DoFn<InputT, OutputT> doFn) {
    return timestamp;
  }

  @Override
  public TimeDomain timeDomain(DoFn<InputT, OutputT> doFn) {
    return timeDomain;
  }

  @Override
  public CausedByDrain causedByDrain(DoFn<InputT, OutputT> doFn) {
    return causedByDrain;
  }

  @Override
  public String timerId(DoFn<InputT, OutputT> doFn) {
    return timerId;
  }

  @Override
  public Object key() {
    return key.get();
  }

  @Override
  public PipelineOptions pipelineOptions() {
    return options;
  }

  @Override
  public DoFn<InputT, OutputT>.OnTimerContext onTimerContext(DoFn<InputT, OutputT> doFn) {
    return this;
  }

  @Override
  public DoFn.OutputReceiver<OutputT> outputReceiver(DoFn<InputT, OutputT> doFn) {
    return mainReceiver;
  }

  @Override
  public DoFn.MultiOutputReceiver taggedOutputReceiver(DoFn<InputT, OutputT> doFn) {
    return DoFnOutputReceivers.windowedMultiReceiver(this, this, outputs.coders);
  }

  @Override
  public State state(String stateId, boolean alwaysFetched) {
    return keyed.state(stateId, window, alwaysFetched);
  }

  @Override
  public Timer timer(String id) {
    return keyed.timer(id, window, timestamp);
  }

  /** {@link #supports} admits no method that asks for these. */
  @Override
  public UnsupportedOperationException unavailable(String what) {
    return new UnsupportedOperationException(
        what + " is not available in @OnTimer of " + fn.getClass().getName());
  }

  /** The main output's receiver: outputs at the timer's output timestamp unless given their own. */
  private final class MainReceiver
      implements DoFn.OutputReceiver<OutputT>, WindowedValueReceiver<OutputT> {

    @Override
    public OutputBuilder<OutputT> builder(OutputT value) {
      return TimerInvocation.this.builder(value).setReceiver(this);
    }

    @Override
    public void output(OutputT value) {
      TimerInvocation.this.output(value);
    }

    @Override
    public void outputWithTimestamp(OutputT value, Instant outputTimestamp) {
      TimerInvocation.this.outputWithTimestamp(value, outputTimestamp);
    }

    @Override
    public void output(WindowedValue<OutputT> windowedValue) {
      TimerInvocation.this.outputWindowedValue(outputs.mainTag, windowedValue);
    }
  }
}
