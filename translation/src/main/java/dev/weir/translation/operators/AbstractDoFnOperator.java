package dev.weir.translation.operators;

import dev.weir.engine.operator.Operator;
import dev.weir.engine.operator.OperatorContext;
import dev.weir.engine.operator.Output;
import dev.weir.engine.operator.Timer;
import dev.weir.translation.metrics.ElementCounts;
import dev.weir.translation.metrics.JobMetrics;
import dev.weir.translation.metrics.StepMetricsContainer;
import dev.weir.translation.metrics.ThreadMetrics;
import dev.weir.translation.state.WatermarkHolds;
import dev.weir.translation.state.WeirStateInternals;
import dev.weir.translation.state.WeirTimerInternals;
import dev.weir.translation.wire.CoderSerializer;
import dev.weir.translation.wire.KeyBytes;
import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.runners.core.DoFnRunner;
import org.apache.beam.runners.core.NullSideInputReader;
import org.apache.beam.runners.core.SideInputReader;
import org.apache.beam.runners.core.StateInternals;
import org.apache.beam.runners.core.StepContext;
import org.apache.beam.runners.core.TimerInternals;
import org.apache.beam.runners.core.TimerInternals.TimerData;
import org.apache.beam.runners.core.construction.SerializablePipelineOptions;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.metrics.MetricsContainer;
import org.apache.beam.sdk.metrics.MetricsEnvironment;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.util.WindowedValueMultiReceiver;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowingStrategy;
import org.joda.time.Instant;

/**
 * Runs a Beam DoFn (through a runners-core {@link DoFnRunner}) as an engine operator: outputs by
 * tag, bundles, keyed state and timers, side inputs, metrics, and an output watermark held back by
 * watermark holds, timers' output timestamps and pushed-back elements.
 *
 * <p>A bundle starts with the first element or timer and finishes before a watermark is forwarded,
 * when the task runs out of input, at the end of the input, after {@code maxBundleSize} elements or
 * {@code maxBundleMillis}, whichever comes first.
 *
 * @param <InputT> the main input's element type
 * @param <OutputT> the main output's element type
 */
public abstract class AbstractDoFnOperator<InputT, OutputT>
    implements Operator<WindowedValue<InputT>, Object> {

  protected final String stepName;
  protected final SerializablePipelineOptions options;
  protected final TupleTag<OutputT> mainOutputTag;
  protected final List<TupleTag<?>> additionalOutputTags;
  private final Map<TupleTag<?>, Integer> outputIndexes;
  protected final Map<TupleTag<?>, Coder<?>> outputCoders;
  protected final WindowingStrategy<?, ?> windowingStrategy;
  private final Map<Integer, PCollectionView<?>> sideInputViews;
  protected final Coder<?> keyCoder;
  private final JobMetrics metrics;
  private final int maxBundleSize;
  private final long maxBundleMillis;

  protected OperatorContext<Object> context;
  protected DoFnRunner<?, OutputT> runner;
  protected WeirStateInternals stateInternals;
  protected WeirTimerInternals timerInternals;
  protected SideInputs sideInputs;
  private WatermarkHolds stateHolds;
  private WatermarkHolds timerHolds;
  private StepMetricsContainer metricsContainer;
  private ThreadMetrics threadMetrics;
  private boolean requiresStableInput;

  /**
   * Non-null while elements must wait for checkpoints (@RequiresStableInput with checkpointing on).
   */
  private StableInput<InputT> stableInput;

  /** Held elements restored without a stable input to take them: processed once open. */
  private final List<KeyedElement<InputT>> restoredStable = new ArrayList<>();

  private Output<Object> mainOutput;
  private int mainIndex;
  private ElementCounts elementCounts = new ElementCounts(Map.of());
  private Output<Object>[] outputs;
  private Bundles bundles;
  private SideInputPushback<InputT> pushedBack;

  private long inputWatermark;
  protected BundleFinalization bundleFinalizer;

  /** Restored side-input panes and waiting elements, applied in {@link #open}. */
  private final List<byte[]> restoredOperatorState = new ArrayList<>();

  private boolean checkpointing;

  protected AbstractDoFnOperator(DoFnStep<OutputT> step) {
    this.stepName = step.name();
    this.options = step.options();
    this.mainOutputTag = step.mainOutputTag();
    this.additionalOutputTags = step.additionalOutputTags();
    this.outputIndexes = step.outputIndexes();
    this.outputCoders = step.outputCoders();
    this.windowingStrategy = step.windowingStrategy();
    this.sideInputViews = step.sideInputViews();
    this.keyCoder = step.keyCoder();
    this.metrics = step.metrics();
    this.maxBundleSize = step.maxBundleSize();
    this.maxBundleMillis = step.maxBundleMillis();
  }

  /**
   * Counts the elements of the PCollections this step produces (Beam's element_count system
   * metric).
   */
  public AbstractDoFnOperator<InputT, OutputT> countingElements(
      Map<Integer, String> pcollectionByOutput) {
    this.elementCounts = new ElementCounts(pcollectionByOutput);
    return this;
  }

  /**
   * The DoFn is annotated {@code @RequiresStableInput}: with checkpoints, its elements are held
   * until a checkpoint containing them completes (see {@link StableInputBuffer}).
   */
  public AbstractDoFnOperator<InputT, OutputT> withStableInput(boolean requiresStableInput) {
    this.requiresStableInput = requiresStableInput;
    return this;
  }

  /**
   * Bundle finalizers wait for the checkpoint after their bundle (set when the job takes
   * checkpoints).
   */
  public AbstractDoFnOperator<InputT, OutputT> withCheckpointing(boolean checkpointing) {
    this.checkpointing = checkpointing;
    return this;
  }

  /**
   * Creates the runner; state and timer internals and side inputs are ready when this is called.
   */
  protected abstract DoFnRunner<?, OutputT> createRunner(
      StepContext stepContext,
      SideInputReader sideInputReader,
      WindowedValueMultiReceiver outputManager)
      throws Exception;

  /** Processes a main-input element (whose side inputs, if any, are ready). */
  protected abstract void processReady(WindowedValue<InputT> element) throws Exception;

  /**
   * Offers a main-input element: the parts (per window) whose side inputs are all ready are
   * processed, the others returned to wait.
   */
  protected Iterable<WindowedValue<InputT>> processOrPushBack(WindowedValue<InputT> element)
      throws Exception {
    if (sideInputs == null) {
      processReady(element);
      return List.of();
    }
    List<WindowedValue<InputT>> waiting = null;
    for (WindowedValue<InputT> single : element.explodeWindows()) {
      if (sideInputsReady(single.getWindows().iterator().next())) {
        processReady(single);
      } else {
        if (waiting == null) {
          waiting = new ArrayList<>();
        }
        waiting.add(single);
      }
    }
    return waiting == null ? List.of() : waiting;
  }

  private boolean sideInputsReady(BoundedWindow mainWindow) {
    for (PCollectionView<?> view : sideInputViews.values()) {
      if (!sideInputs.isReady(view, view.getWindowMappingFn().getSideInputWindow(mainWindow))) {
        return false;
      }
    }
    return true;
  }

  /** Delivers a fired timer of the current key to the DoFn. */
  protected abstract void fireTimer(TimerData timer) throws Exception;

  /**
   * Whether the step's bags hold only input elements (never changed in place), as a GroupByKey's
   * do.
   */
  protected boolean bagsHoldOnlyInputs() {
    return false;
  }

  protected void startRunnerBundle() {
    runner.startBundle();
  }

  protected void finishRunnerBundle() {
    runner.finishBundle();
  }

  /** User code set-up and tear-down (DoFn @Setup / @Teardown). */
  protected void setUp() throws Exception {}

  protected void tearDown() throws Exception {}

  @Override
  @SuppressWarnings("unchecked")
  public void open(OperatorContext<Object> context) throws Exception {
    this.context = context;
    this.threadMetrics = ThreadMetrics.install();
    this.metricsContainer = metrics.open(stepName);
    elementCounts.open(metricsContainer);
    this.pushedBack = new SideInputPushback<>();
    if (requiresStableInput && checkpointing) {
      this.stableInput =
          context.isKeyed()
              ? new KeyedStableInput<>(
                  context,
                  new CoderSerializer<>(
                      requireInputCoder("elements held for @RequiresStableInput")))
              : new StableInputBuffer<>();
    }
    this.bundleFinalizer = new BundleFinalization(checkpointing);
    this.bundles =
        new Bundles(
            maxBundleSize,
            maxBundleMillis,
            context,
            this::startRunnerBundle,
            this::onBundleFinished);
    this.inputWatermark = Long.MIN_VALUE;
    this.outputs = new Output[outputIndexes.values().stream().mapToInt(i -> i).max().orElse(0) + 1];
    for (Map.Entry<TupleTag<?>, Integer> e : outputIndexes.entrySet()) {
      outputs[e.getValue()] = context.output(e.getValue());
    }
    Integer main = outputIndexes.get(mainOutputTag);
    this.mainIndex = main == null ? -1 : main;
    this.mainOutput = main == null ? null : outputs[main];
    stateHolds = new WatermarkHolds();
    timerHolds = new WatermarkHolds();
    if (context.isKeyed()) {
      stateInternals =
          new WeirStateInternals(
              context.keyedStateBackend(), keyCoder, stateHolds, bagsHoldOnlyInputs());
      timerInternals =
          new WeirTimerInternals(
              context.keyedStateBackend(),
              context.timerService(),
              timerHolds,
              windowingStrategy.getWindowFn().windowCoder());
      // After a restore the holds live only in keyed state; index them again.
      stateInternals.rebuildHolds();
      timerInternals.rebuildHolds();
    }
    sideInputs = sideInputViews.isEmpty() ? null : new SideInputs(sideInputViews);
    StepContext stepContext =
        new StepContext() {
          @Override
          public StateInternals stateInternals() {
            if (stateInternals == null) {
              throw new UnsupportedOperationException(
                  "step '" + stepName + "' has no keyed state: it is not keyed");
            }
            return stateInternals;
          }

          @Override
          public TimerInternals timerInternals() {
            if (timerInternals == null) {
              throw new UnsupportedOperationException(
                  "step '" + stepName + "' has no timers: it is not keyed");
            }
            return timerInternals;
          }

          @Override
          public DoFn.BundleFinalizer bundleFinalizer() {
            return bundleFinalizer;
          }
        };
    WindowedValueMultiReceiver outputManager =
        new WindowedValueMultiReceiver() {
          @Override
          public <T> void output(TupleTag<T> tag, WindowedValue<T> value) {
            if (tag == mainOutputTag && mainOutput != null) {
              elementCounts.count(mainIndex); // the usual case: no lookup, no unboxing
              mainOutput.emit(value);
              return;
            }
            Integer index = outputIndexes.get(tag);
            if (index != null) {
              elementCounts.count(index);
              outputs[index].emit(value);
            }
          }
        };
    applyRestoredOperatorState();
    try (Closeable ignored = MetricsEnvironment.scopedMetricsContainer(metricsContainer)) {
      setUp();
      runner =
          createRunner(
              stepContext,
              sideInputs == null ? NullSideInputReader.empty() : sideInputs,
              outputManager);
    }
    // Restored held elements are stable (their checkpoint completed): processed now.
    List<KeyedElement<InputT>> restored = new ArrayList<>(restoredStable);
    restoredStable.clear();
    if (stableInput != null) {
      restored.addAll(stableInput.takeRestored());
    }
    processStable(restored);
  }

  /**
   * Processes held elements that are now stable, each under the key it arrived with; event time
   * held back for them moves on afterwards.
   */
  private void processStable(List<KeyedElement<InputT>> stable) throws Exception {
    if (stable.isEmpty()) {
      return;
    }
    for (KeyedElement<InputT> h : stable) {
      if (h.key() != null) {
        context.keyedStateBackend().setCurrentKey(h.key());
      }
      processNow(h.value());
    }
    finishBundle();
    context.advanceEventTime();
    emitOutputWatermark();
  }

  private void startBundleIfNeeded() {
    bundles.startIfNeeded();
  }

  protected void finishBundle() throws Exception {
    bundles.finish();
  }

  /** What ending a bundle does besides the runner's finishBundle: finalizers, metrics. */
  private void onBundleFinished() throws Exception {
    try (Closeable ignored = MetricsEnvironment.scopedMetricsContainer(metricsContainer)) {
      finishRunnerBundle();
      bundleFinalizer.bundleFinished();
      elementCounts.flush();
      metricsContainer.flush();
    }
  }

  @Override
  public void processElement(WindowedValue<InputT> element) throws Exception {
    if (stableInput != null) {
      stableInput.add(element);
      return;
    }
    processNow(element);
  }

  private void processNow(WindowedValue<InputT> element) throws Exception {
    MetricsContainer previous = threadMetrics.enter(metricsContainer);
    try {
      startBundleIfNeeded();
      if (sideInputs == null) {
        processReady(element); // no side inputs: nothing waits (and no iterator per element)
      } else {
        for (WindowedValue<InputT> w : processOrPushBack(element)) {
          pushedBack.add(context.isKeyed() ? (KeyBytes) context.currentKey() : null, w);
        }
      }
    } finally {
      threadMetrics.exit(previous);
    }
    bundles.elementProcessed();
  }

  @Override
  @SuppressWarnings("unchecked")
  public void processElement(int input, Object record) throws Exception {
    if (input == 0) {
      processElement((WindowedValue<InputT>) record);
    } else if (sideInputs != null && sideInputs.isSideInput(input)) {
      // Readiness is cached per bundle: a new pane is seen from the next bundle on.
      finishBundle();
      sideInputs.addPane(input, (WindowedValue<?>) record);
      retryPushedBack();
    } else {
      throw new IllegalStateException(
          "step '" + stepName + "' received a record on unknown input " + input);
    }
  }

  @Override
  public void processInputWatermark(int input, long watermark) throws Exception {
    if (sideInputs != null && sideInputs.isSideInput(input)) {
      finishBundle();
      sideInputs.advanceWatermark(input, watermark);
      retryPushedBack();
      emitOutputWatermark();
    }
  }

  /**
   * Event time stays before the earliest element waiting for side inputs: it must not turn late
   * meanwhile.
   */
  @Override
  public long inputWatermarkHold() {
    long hold = Long.MAX_VALUE;
    hold = Math.min(hold, pushedBack.earliestTimestamp());
    // Elements held for stable input are processed later: event time must not pass them meanwhile.
    if (stableInput != null) {
      hold = Math.min(hold, stableInput.earliestTimestamp());
    }
    return hold;
  }

  private void retryPushedBack() throws Exception {
    if (pushedBack.isEmpty()) {
      return;
    }
    List<KeyedElement<InputT>> waiting = pushedBack.takeAll();
    try (Closeable ignored = MetricsEnvironment.scopedMetricsContainer(metricsContainer)) {
      startBundleIfNeeded();
      for (KeyedElement<InputT> p : waiting) {
        if (p.key() != null) {
          context.keyedStateBackend().setCurrentKey(p.key());
        }
        for (WindowedValue<InputT> w : processOrPushBack(p.value())) {
          pushedBack.add(p.key(), w);
        }
      }
    }
    if (pushedBack.size() < waiting.size()) {
      context.advanceEventTime();
    }
  }

  @Override
  public void onTimer(Timer timer) throws Exception {
    TimerData data = timerInternals.onFired(timer);
    MetricsContainer previous = threadMetrics.enter(metricsContainer);
    try {
      startBundleIfNeeded();
      fireTimer(data);
    } finally {
      threadMetrics.exit(previous);
    }
  }

  /**
   * Nothing more is waiting: the bundle ends, as the DirectRunner's does when its input is used up.
   */
  @Override
  public void onInputIdle() throws Exception {
    finishBundle();
  }

  @Override
  public void processWatermark(long watermark) throws Exception {
    inputWatermark = watermark;
    finishBundle();
    emitOutputWatermark();
  }

  /** The input watermark held back by whatever this operator still owes downstream. */
  private void emitOutputWatermark() {
    long out = inputWatermark;
    out = Math.min(out, stateHolds.min());
    out = Math.min(out, timerHolds.min());
    out = Math.min(out, inputWatermarkHold());
    if (out > Long.MIN_VALUE) {
      context.emitWatermark(out);
    }
  }

  @Override
  public void finish() throws Exception {
    // Every input has ended, side inputs included: what waited for them is processed now.
    if (stableInput != null) {
      processStable(stableInput.takeAll()); // no later checkpoint can make them any more stable
    }
    finishBundle();
    retryPushedBack();
    if (!pushedBack.isEmpty()) {
      throw new IllegalStateException(
          "step '"
              + stepName
              + "': "
              + pushedBack.size()
              + " elements still wait for side inputs at the end of the input");
    }
    finishBundle();
  }

  /**
   * A barrier reached this operator: the open bundle is finished first, so everything it emits
   * precedes the barrier and nothing emitted during the snapshot needs buffering.
   */
  @Override
  public byte[] snapshotOperatorState(long checkpointId) throws Exception {
    finishBundle();
    bundleFinalizer.snapshot(checkpointId);
    if (stableInput != null) {
      stableInput.onBarrier(checkpointId);
    }
    return DoFnOperatorState.write(
        stepName,
        sideInputs,
        pushedBack.forOperatorState(),
        stableInput == null ? List.of() : stableInput.heldInOperatorState(),
        inputValueCoder());
  }

  @Override
  public void restoreOperatorState(byte[] state) {
    restoredOperatorState.add(state);
  }

  private void applyRestoredOperatorState() throws Exception {
    if (context.isKeyed() && sideInputs != null && inputValueCoder() != null) {
      pushedBack.storeInKeyedState(
          new KeyedWaitingStore<>(
              context,
              new CoderSerializer<>(
                  requireInputCoder("the elements waiting for its side inputs"))));
    }
    for (byte[] state : restoredOperatorState) {
      DoFnOperatorState.Restored<InputT> restored =
          DoFnOperatorState.read(
              state,
              stepName,
              sideInputs,
              context.isKeyed() ? context.keyedStateBackend() : null,
              inputValueCoder());
      pushedBack.addAll(restored.waiting());
      if (stableInput != null) {
        stableInput.restore(restored.held());
      } else {
        restoredStable.addAll(restored.held());
      }
    }
    restoredOperatorState.clear(); // applied once
  }

  private Coder<WindowedValue<InputT>> requireInputCoder(String what) {
    return DoFnOperatorState.require(inputValueCoder(), stepName, what);
  }

  /**
   * The coder of a main-input WindowedValue, to snapshot elements waiting for side inputs; null if
   * unknown.
   */
  protected Coder<WindowedValue<InputT>> inputValueCoder() {
    return null;
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) throws Exception {
    if (stableInput != null) {
      processStable(stableInput.takeStable(checkpointId));
    }
    try (Closeable ignored = MetricsEnvironment.scopedMetricsContainer(metricsContainer)) {
      bundleFinalizer.checkpointComplete(checkpointId);
    }
  }

  @Override
  public void close() throws Exception {
    try (Closeable ignored = MetricsEnvironment.scopedMetricsContainer(metricsContainer)) {
      tearDown();
    } finally {
      if (metricsContainer != null) {
        elementCounts.flush();
        metrics.merge(stepName, metricsContainer);
      }
    }
  }

  /** The input watermark as Beam sees it. */
  protected Instant beamInputWatermark() {
    return WeirTimerInternals.beamWatermark(inputWatermark);
  }
}
