package dev.weir.translation.operators;

import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.state.State;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerMap;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.reflect.DoFnInvoker;
import org.apache.beam.sdk.transforms.splittabledofn.RestrictionTracker;
import org.apache.beam.sdk.transforms.splittabledofn.WatermarkEstimator;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.CausedByDrain;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;

/**
 * An argument provider that has none of a DoFn method's arguments until it overrides them: each one
 * not overridden fails with {@link #unavailable}. The reused contexts of elements and timers
 * provide only what the methods they admit can ask for.
 */
interface UnavailableArguments<InputT, OutputT>
    extends DoFnInvoker.ArgumentProvider<InputT, OutputT> {

  /** The error for a method that asked for {@code what}, which the caller's checks never admit. */
  UnsupportedOperationException unavailable(String what);

  @Override
  default BoundedWindow window() {
    throw unavailable("the window");
  }

  @Override
  default PaneInfo paneInfo(DoFn<InputT, OutputT> doFn) {
    throw unavailable("the pane");
  }

  @Override
  default PipelineOptions pipelineOptions() {
    throw unavailable("the pipeline options");
  }

  @Override
  default DoFn<InputT, OutputT>.StartBundleContext startBundleContext(DoFn<InputT, OutputT> doFn) {
    throw unavailable("StartBundleContext");
  }

  @Override
  default DoFn<InputT, OutputT>.FinishBundleContext finishBundleContext(
      DoFn<InputT, OutputT> doFn) {
    throw unavailable("FinishBundleContext");
  }

  @Override
  default DoFn<InputT, OutputT>.ProcessContext processContext(DoFn<InputT, OutputT> doFn) {
    throw unavailable("ProcessContext");
  }

  @Override
  default DoFn<InputT, OutputT>.OnTimerContext onTimerContext(DoFn<InputT, OutputT> doFn) {
    throw unavailable("OnTimerContext");
  }

  @Override
  default InputT element(DoFn<InputT, OutputT> doFn) {
    throw unavailable("the element");
  }

  @Override
  default Object key() {
    throw unavailable("the key");
  }

  @Override
  default Object sideInput(String tagId) {
    throw unavailable("side input " + tagId);
  }

  @Override
  default Object schemaElement(int index) {
    throw unavailable("a schema element");
  }

  @Override
  default Instant timestamp(DoFn<InputT, OutputT> doFn) {
    throw unavailable("the timestamp");
  }

  @Override
  default CausedByDrain causedByDrain(DoFn<InputT, OutputT> doFn) {
    throw unavailable("whether a drain caused it");
  }

  @Override
  default TimeDomain timeDomain(DoFn<InputT, OutputT> doFn) {
    throw unavailable("the time domain");
  }

  @Override
  default DoFn.OutputReceiver<OutputT> outputReceiver(DoFn<InputT, OutputT> doFn) {
    throw unavailable("an output receiver");
  }

  @Override
  default DoFn.OutputReceiver<Row> outputRowReceiver(DoFn<InputT, OutputT> doFn) {
    throw unavailable("a row receiver");
  }

  @Override
  default DoFn.MultiOutputReceiver taggedOutputReceiver(DoFn<InputT, OutputT> doFn) {
    throw unavailable("a tagged output receiver");
  }

  @Override
  default DoFn.BundleFinalizer bundleFinalizer() {
    throw unavailable("bundle finalization");
  }

  @Override
  default Object restriction() {
    throw unavailable("a restriction");
  }

  @Override
  default RestrictionTracker<?, ?> restrictionTracker() {
    throw unavailable("a restriction tracker");
  }

  @Override
  default Object watermarkEstimatorState() {
    throw unavailable("watermark estimator state");
  }

  @Override
  default WatermarkEstimator<?> watermarkEstimator() {
    throw unavailable("a watermark estimator");
  }

  @Override
  default State state(String stateId, boolean alwaysFetched) {
    throw unavailable("state " + stateId);
  }

  @Override
  default Timer timer(String timerId) {
    throw unavailable("timer " + timerId);
  }

  @Override
  default TimerMap timerFamily(String timerFamilyId) {
    throw unavailable("timer family " + timerFamilyId);
  }

  @Override
  default String timerId(DoFn<InputT, OutputT> doFn) {
    throw unavailable("the timer id");
  }
}
