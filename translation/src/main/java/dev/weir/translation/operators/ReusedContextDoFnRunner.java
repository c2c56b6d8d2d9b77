package dev.weir.translation.operators;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.beam.runners.core.DoFnRunner;
import org.apache.beam.runners.core.StepContext;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.state.State;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.DoFnOutputReceivers;
import org.apache.beam.sdk.transforms.reflect.DoFnInvoker;
import org.apache.beam.sdk.transforms.reflect.DoFnInvokers;
import org.apache.beam.sdk.transforms.reflect.DoFnSignature;
import org.apache.beam.sdk.transforms.reflect.DoFnSignature.Parameter;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.util.OutputBuilderSupplier;
import org.apache.beam.sdk.util.SystemDoFnInternal;
import org.apache.beam.sdk.util.UserCodeException;
import org.apache.beam.sdk.util.WindowedValueMultiReceiver;
import org.apache.beam.sdk.util.WindowedValueReceiver;
import org.apache.beam.sdk.values.CausedByDrain;
import org.apache.beam.sdk.values.OutputBuilder;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Runs {@code @ProcessElement} of a DoFn with one argument provider, process context and output
 * receiver reused for every element; bundles, timers and window expiration go to runners-core's
 * {@link DoFnRunner} it wraps. A stateful DoFn's states and timers come from an {@link
 * ElementStateAccess}, which also drops late elements and sets the window's cleanup timer as
 * runners-core's StatefulDoFnRunner does (that runner is then the wrapped one, for timers).
 *
 * <p>Why: runners-core's {@code SimpleDoFnRunner} allocates a process context, an output-builder
 * supplier, a receiver and a builder per element, and looks every output's tag up in a hash set; on
 * a chain of cheap element-wise steps (map, filter) that was most of the per-record cost, and a
 * stateful DoFn's process context also made a state tag, a namespace and a timer per element. The
 * semantics are SimpleDoFnRunner's: outputs keep the element's timestamp, windows, pane and record
 * metadata unless the DoFn gives its own; outputs with an explicit timestamp are checked against
 * the DoFn's allowed skew; a DoFn that observes its window (every stateful one does) sees one
 * window at a time; user exceptions are wrapped in {@link UserCodeException} (except for system
 * DoFns).
 *
 * <p>Only DoFns whose {@code @ProcessElement} parameters are all in {@link #supports}'s list
 * qualify: no side inputs, schema elements, row receivers, restrictions or timer families, and
 * state and timers only when keyed (not with time-sorted input).
 */
final class ReusedContextDoFnRunner<InputT, OutputT> implements DoFnRunner<InputT, OutputT> {

  private final DoFnRunner<InputT, OutputT> bundles;
  private final DoFn<InputT, OutputT> fn;
  private final DoFnInvoker<InputT, OutputT> invoker;
  private final PipelineOptions options;
  private final DoFnOutputs<OutputT> outputs;
  private final TupleTag<OutputT> mainOutputTag;
  private final StepContext stepContext;
  private final boolean observesWindow;
  private final boolean systemDoFn;
  private final Context context;

  /** The states and timers of a stateful DoFn; null for a stateless one. */
  private final ElementStateAccess<InputT> keyed;

  /** Calls the DoFn's @OnTimer methods; null if stateless or a method needs runners-core's path. */
  private final TimerInvocation<InputT, OutputT> timers;

  /**
   * @param bundles the runners-core runner of the same DoFn instance, for everything but elements
   *     (for a stateful DoFn, the StatefulDoFnRunner around it)
   * @param keyed the states and timers of a stateful DoFn, null if it is stateless
   */
  ReusedContextDoFnRunner(
      DoFnRunner<InputT, OutputT> bundles,
      DoFn<InputT, OutputT> fn,
      DoFnSignature signature,
      PipelineOptions options,
      WindowedValueMultiReceiver outputManager,
      TupleTag<OutputT> mainOutputTag,
      List<TupleTag<?>> additionalOutputTags,
      Map<TupleTag<?>, Coder<?>> outputCoders,
      StepContext stepContext,
      ElementStateAccess<InputT> keyed) {
    this.bundles = bundles;
    this.keyed = keyed;
    this.fn = fn;
    this.invoker = DoFnInvokers.invokerFor(fn);
    this.options = options;
    @SuppressWarnings("deprecation") // allowed skew is deprecated for users, but must be respected
    Duration skew = fn.getAllowedTimestampSkew();
    this.outputs =
        new DoFnOutputs<>(
            outputManager,
            mainOutputTag,
            additionalOutputTags,
            outputCoders,
            new AllowedSkew(skew));
    this.mainOutputTag = mainOutputTag;
    this.stepContext = stepContext;
    this.observesWindow = signature.processElement().observesWindow();
    this.systemDoFn = invoker.getClass().isAnnotationPresent(SystemDoFnInternal.class);
    this.context = new Context();
    this.timers =
        keyed != null && TimerInvocation.supports(signature)
            ? new TimerInvocation<>(fn, signature, invoker, options, outputs, keyed)
            : null;
  }

  /**
   * Whether {@code signature}'s DoFn can run here: not splittable, no side inputs, only
   * element-scoped {@code @ProcessElement} parameters; state, timers and window expiration only if
   * {@code keyed} (then not with time-sorted input).
   */
  static boolean supports(DoFnSignature signature, boolean hasSideInputs, boolean keyed) {
    if (hasSideInputs
        || (!keyed
            && (signature.usesState()
                || signature.usesTimers()
                || signature.onWindowExpiration() != null))
        || signature.processElement().isSplittable()
        || signature.processElement().requiresTimeSortedInput()) {
      return false;
    }
    for (Parameter p : signature.processElement().extraParameters()) {
      boolean supported =
          (keyed
                  && (p instanceof Parameter.StateParameter
                      || p instanceof Parameter.TimerParameter))
              || p instanceof Parameter.ElementParameter
              || p instanceof Parameter.ProcessContextParameter
              || p instanceof Parameter.TimestampParameter
              || p instanceof Parameter.WindowParameter
              || p instanceof Parameter.PaneInfoParameter
              || p instanceof Parameter.PipelineOptionsParameter
              || p instanceof Parameter.CausedByDrainParameter
              || p instanceof Parameter.BundleFinalizerParameter
              || p instanceof Parameter.TaggedOutputReceiverParameter
              || (p instanceof Parameter.OutputReceiverParameter
                  && !((Parameter.OutputReceiverParameter) p).isRowReceiver());
      if (!supported) {
        return false;
      }
    }
    return true;
  }

  @Override
  public DoFn<InputT, OutputT> getFn() {
    return fn;
  }

  @Override
  public void startBundle() {
    bundles.startBundle();
  }

  @Override
  public void processElement(WindowedValue<InputT> element) {
    if (keyed != null) {
      if (element.getWindows().size() == 1) {
        processInWindow(element, onlyWindow(element.getWindows()));
      } else {
        for (WindowedValue<InputT> single : element.explodeWindows()) {
          processInWindow(single, onlyWindow(single.getWindows()));
        }
      }
    } else if (observesWindow && element.getWindows().size() > 1) {
      for (WindowedValue<InputT> single : element.explodeWindows()) {
        invoke(single);
      }
    } else {
      invoke(element);
    }
  }

  /** The one window of a collection of one, without an iterator for the usual singleton list. */
  private static BoundedWindow onlyWindow(Collection<? extends BoundedWindow> windows) {
    return windows instanceof List<? extends BoundedWindow> list
        ? list.get(0)
        : windows.iterator().next();
  }

  /** A stateful DoFn's element in one window: dropped if late, else processed. */
  private void processInWindow(WindowedValue<InputT> element, BoundedWindow window) {
    if (!keyed.dropIfLate(window)) {
      keyed.keepUntilExpiry(element.getValue(), window);
      invoke(element);
    }
  }

  private void invoke(WindowedValue<InputT> element) {
    context.element = element;
    try {
      invoker.invokeProcessElement(context);
    } catch (Exception e) {
      throw UserCodeException.wrapIf(!systemDoFn, e);
    }
  }

  @Override
  public <KeyT> void onTimer(
      String timerId,
      String timerFamilyId,
      KeyT key,
      BoundedWindow window,
      Instant timestamp,
      Instant outputTimestamp,
      TimeDomain timeDomain,
      CausedByDrain causedByDrain) {
    fireTimer(
        timerId,
        timerFamilyId,
        window,
        timestamp,
        outputTimestamp,
        timeDomain,
        causedByDrain,
        () -> key);
  }

  /**
   * {@link #onTimer} with the key given only if asked for: a user timer of a stateful DoFn is
   * called here as StatefulDoFnRunner would (a processing-time timer of an expired window is
   * ignored); system timers (window cleanup) and timer families go to the wrapped runner.
   */
  void fireTimer(
      String timerId,
      String timerFamilyId,
      BoundedWindow window,
      Instant timestamp,
      Instant outputTimestamp,
      TimeDomain timeDomain,
      CausedByDrain causedByDrain,
      Supplier<?> key) {
    if (timers != null && timers.handles(timerId, timerFamilyId)) {
      if (timeDomain == TimeDomain.EVENT_TIME || !keyed.isExpired(window)) {
        timers.fire(timerId, window, timestamp, outputTimestamp, timeDomain, causedByDrain, key);
      }
      return;
    }
    bundles.onTimer(
        timerId,
        timerFamilyId,
        key.get(),
        window,
        timestamp,
        outputTimestamp,
        timeDomain,
        causedByDrain);
  }

  /** Whether {@link #fireTimer} calls the timer of this id and family itself. */
  boolean firesItself(String timerId, String timerFamilyId) {
    return timers != null && timers.handles(timerId, timerFamilyId);
  }

  @Override
  public void finishBundle() {
    bundles.finishBundle();
  }

  @Override
  public <KeyT> void onWindowExpiration(BoundedWindow window, Instant timestamp, KeyT key) {
    bundles.onWindowExpiration(window, timestamp, key);
  }

  /** The process context, argument provider and output-builder supplier of the current element. */
  private final class Context extends DoFn<InputT, OutputT>.ProcessContext
      implements UnavailableArguments<InputT, OutputT>, OutputBuilderSupplier {

    WindowedValue<InputT> element;
    private final MainReceiver mainReceiver = new MainReceiver();

    Context() {
      fn.super();
    }

    // ProcessContext

    @Override
    public PipelineOptions getPipelineOptions() {
      return options;
    }

    @Override
    public InputT element() {
      return element.getValue();
    }

    @Override
    public <T> T sideInput(PCollectionView<T> view) {
      throw new IllegalArgumentException("calling sideInput() with unknown view");
    }

    @Override
    public Instant timestamp() {
      return element.getTimestamp();
    }

    @Override
    public PaneInfo pane() {
      return element.getPaneInfo();
    }

    @Override
    public String currentRecordId() {
      return element.getRecordId();
    }

    @Override
    public Long currentRecordOffset() {
      return element.getRecordOffset();
    }

    @Override
    public CausedByDrain causedByDrain() {
      return element.causedByDrain();
    }

    @Override
    @SuppressWarnings("unchecked")
    public void output(OutputT output) {
      // A filter passes its element on as it is: the element itself is the output (values are
      // immutable).
      WindowedValue<OutputT> value =
          output == element.getValue()
              ? (WindowedValue<OutputT>) element
              : element.withValue(output);
      outputs.emitMain(value);
    }

    @Override
    public void outputWithTimestamp(OutputT output, Instant timestamp) {
      outputWithTimestamp(mainOutputTag, output, timestamp);
    }

    @Override
    public void outputWindowedValue(
        OutputT output,
        Instant timestamp,
        Collection<? extends BoundedWindow> windows,
        PaneInfo paneInfo) {
      outputWindowedValue(mainOutputTag, output, timestamp, windows, paneInfo);
    }

    @Override
    public <T> void output(TupleTag<T> tag, T output) {
      outputs.emit(tag, element.withValue(output));
    }

    @Override
    public <T> void outputWithTimestamp(TupleTag<T> tag, T output, Instant timestamp) {
      outputs.checkTimestamp(element.getTimestamp(), timestamp);
      outputs.emit(
          tag,
          WindowedValues.of(
              output,
              timestamp,
              element.getWindows(),
              element.getPaneInfo(),
              element.getRecordId(),
              element.getRecordOffset(),
              element.causedByDrain()));
    }

    @Override
    public <T> void outputWindowedValue(
        TupleTag<T> tag,
        T output,
        Instant timestamp,
        Collection<? extends BoundedWindow> windows,
        PaneInfo paneInfo) {
      outputs.checkTimestamp(element.getTimestamp(), timestamp);
      outputs.emit(
          tag,
          WindowedValues.of(
              output,
              timestamp,
              windows,
              paneInfo,
              element.getRecordId(),
              element.getRecordOffset(),
              element.causedByDrain()));
    }

    @Override
    public <T> void outputWindowedValue(TupleTag<T> tag, WindowedValue<T> windowedValue) {
      outputs.checkTimestamp(element.getTimestamp(), windowedValue.getTimestamp());
      outputs.emit(tag, windowedValue);
    }

    @Override
    public void outputWindowedValue(WindowedValue<OutputT> windowedValue) {
      outputWindowedValue(mainOutputTag, windowedValue);
    }

    // OutputBuilderSupplier: outputs built from the current element

    @Override
    public <T> WindowedValues.Builder<T> builder(T value) {
      return WindowedValues.builder(element).withValue(value);
    }

    // ArgumentProvider

    @Override
    public InputT element(DoFn<InputT, OutputT> doFn) {
      return element.getValue();
    }

    @Override
    public Instant timestamp(DoFn<InputT, OutputT> doFn) {
      return element.getTimestamp();
    }

    @Override
    public BoundedWindow window() {
      Collection<? extends BoundedWindow> windows = element.getWindows();
      if (windows.size() != 1) {
        throw new IllegalArgumentException("expected one window, got " + windows);
      }
      return onlyWindow(windows);
    }

    @Override
    public PaneInfo paneInfo(DoFn<InputT, OutputT> doFn) {
      return element.getPaneInfo();
    }

    @Override
    public CausedByDrain causedByDrain(DoFn<InputT, OutputT> doFn) {
      return element.causedByDrain();
    }

    @Override
    public PipelineOptions pipelineOptions() {
      return options;
    }

    @Override
    public DoFn<InputT, OutputT>.ProcessContext processContext(DoFn<InputT, OutputT> doFn) {
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
    public DoFn.BundleFinalizer bundleFinalizer() {
      return stepContext.bundleFinalizer();
    }

    @Override
    public State state(String stateId, boolean alwaysFetched) {
      if (keyed == null) {
        throw unavailable("state " + stateId);
      }
      return keyed.state(stateId, window(), alwaysFetched);
    }

    @Override
    public Timer timer(String timerId) {
      if (keyed == null) {
        throw unavailable("timer " + timerId);
      }
      return keyed.timer(timerId, window(), element.getTimestamp());
    }

    /** {@link ReusedContextDoFnRunner#supports} admits no DoFn that asks for these. */
    @Override
    public UnsupportedOperationException unavailable(String what) {
      return new UnsupportedOperationException(
          what + " is not available in @ProcessElement of " + fn.getClass().getName());
    }
  }

  /** The main output's receiver: outputs keep the element's metadata unless given their own. */
  private final class MainReceiver
      implements DoFn.OutputReceiver<OutputT>, WindowedValueReceiver<OutputT> {

    @Override
    public OutputBuilder<OutputT> builder(OutputT value) {
      return WindowedValues.builder(context.element).withValue(value).setReceiver(this);
    }

    @Override
    public void output(OutputT value) {
      context.output(value);
    }

    @Override
    public void outputWithTimestamp(OutputT value, Instant timestamp) {
      context.outputWithTimestamp(mainOutputTag, value, timestamp);
    }

    @Override
    public void output(WindowedValue<OutputT> windowedValue) {
      context.outputWindowedValue(mainOutputTag, windowedValue);
    }
  }
}
