package dev.weir.translation.merging;

import dev.weir.engine.operator.AbstractOperator;
import dev.weir.engine.operator.OperatorContext;
import dev.weir.engine.operator.Timer;
import dev.weir.state.StateSpec;
import dev.weir.state.ValueState;
import dev.weir.state.serialization.Serializers;
import dev.weir.translation.metrics.JobMetrics;
import dev.weir.translation.metrics.StepOutputCounts;
import dev.weir.translation.state.OutputTimestamps;
import dev.weir.translation.wire.CoderSerializer;
import dev.weir.translation.wire.EncodedKey;
import dev.weir.translation.wire.KeyBytes;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.transforms.windowing.WindowFn;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;
import org.apache.beam.sdk.values.WindowingStrategy;
import org.joda.time.Instant;

/**
 * GroupByKey or Combine.perKey over merging windows (sessions, any WindowFn that merges) with the
 * default trigger and no allowed lateness, where each merged window fires once, on time. Per key it
 * keeps the live windows ({@link MergedWindows}) and per window what {@link WindowContents} keeps,
 * stored under a state window that never moves: an element that grows a session adds to it in
 * place, and only when two live windows merge are contents moved (accumulators merged, for a
 * combine). Each state window has one timer, set when it appears; a timer that fires before the
 * window it now belongs to has ended is set again at that window's end, and one whose state window
 * was merged away does nothing. This replaces ReduceFnRunner's window set, trigger, pane and hold
 * state, read and written several times per element.
 *
 * <p>It emits what ReduceFnRunner emits for that windowing: one {@code ON_TIME} pane per key and
 * merged window, timestamped as the TimestampCombiner merges the elements' timestamps; elements
 * whose own window the watermark has passed are dropped. With {@code END_OF_WINDOW} timestamps the
 * output watermark needs no hold (a window fires as the watermark passes its end); otherwise it is
 * held at the earliest timestamp a live window owes ({@link HoldIndex}, rebuilt after a restore).
 *
 * <p>Called on the task's thread only.
 */
public final class MergingWindowOperator<K, V, OutputT>
    extends AbstractOperator<WindowedValue<KV<K, V>>, WindowedValue<KV<K, OutputT>>> {

  private final Coder<K> keyCoder;
  private final WindowFn<?, ?> windowFn;
  private final Coder<BoundedWindow> windowCoder;
  private final TimestampCombiner timestampCombiner;
  private final WindowContents<V, OutputT> contents;
  private final StepOutputCounts outputCounts;

  private transient StateSpec<Void, ValueState<Void, MergedWindows>> windowsSpec;
  private transient WindowMerging merging;
  private transient WindowMerging.Merge merge;
  private transient HoldIndex holds;
  private transient long inputWatermark;

  /**
   * Whether the windowing is one this operator runs: merging windows, the default trigger, no
   * allowed lateness.
   */
  public static boolean applies(WindowingStrategy<?, ?> windowing) {
    return !windowing.getWindowFn().isNonMerging()
        && windowing.getTrigger() instanceof org.apache.beam.sdk.transforms.windowing.DefaultTrigger
        && windowing.getAllowedLateness().getMillis() == 0;
  }

  /** {@code outputPCollection}: the name of the PCollection produced, for Beam's element count. */
  @SuppressWarnings("unchecked")
  public MergingWindowOperator(
      String stepName,
      Coder<K> keyCoder,
      WindowingStrategy<?, ?> windowing,
      WindowContents<V, OutputT> contents,
      JobMetrics metrics,
      String outputPCollection) {
    this.keyCoder = keyCoder;
    this.windowFn = windowing.getWindowFn();
    this.windowCoder = (Coder<BoundedWindow>) windowing.getWindowFn().windowCoder();
    this.timestampCombiner = windowing.getTimestampCombiner();
    this.contents = contents;
    this.outputCounts = new StepOutputCounts(stepName, metrics, outputPCollection);
  }

  @Override
  public void open(OperatorContext<WindowedValue<KV<K, OutputT>>> context) throws Exception {
    super.open(context);
    CoderSerializer<BoundedWindow> windows = new CoderSerializer<>(windowCoder);
    windowsSpec =
        StateSpec.value("merged-windows", Serializers.VOID, new MergedWindowsSerializer(windows));
    contents.open(context, windows);
    context.timerService().setNamespaceSerializer(windows);
    merging = WindowMerging.of(windowFn);
    merge = new WindowMerging.Merge();
    outputCounts.open();
    inputWatermark = Long.MIN_VALUE;
    holds = timestampCombiner == TimestampCombiner.END_OF_WINDOW ? null : new HoldIndex();
    if (holds != null) {
      // After a restore: the holds of the windows still live.
      ValueState<Void, MergedWindows> state = context.state(windowsSpec);
      context
          .keyedStateBackend()
          .forEachEntry(
              windowsSpec,
              (key, none) -> {
                MergedWindows live = state.value(null);
                for (int i = 0; live != null && i < live.size(); i++) {
                  holds.add(live.hold(i));
                }
              });
    }
  }

  @Override
  public void processElement(WindowedValue<KV<K, V>> element) throws Exception {
    ValueState<Void, MergedWindows> state = context.state(windowsSpec);
    MergedWindows live = null;
    V value = element.getValue().getValue();
    for (BoundedWindow window : element.getWindows()) {
      if (window.maxTimestamp().getMillis() < inputWatermark) {
        continue; // its window expired and no lateness is allowed: Beam drops the data
      }
      if (live == null) {
        live = state.value(null);
        if (live == null) {
          live = new MergedWindows();
        }
      }
      // EARLIEST and LATEST assign the element's timestamp; END_OF_WINDOW holds need no tracking.
      BoundedWindow stateWindow = add(live, window, element.getTimestamp().getMillis());
      contents.add(stateWindow, value);
    }
    if (live != null) {
      state.update(null, live);
    }
  }

  /** Merges {@code window} into the key's live windows; returns the state window it adds to. */
  private BoundedWindow add(MergedWindows live, BoundedWindow window, long hold) throws Exception {
    merging.find(live, window, merge);
    if (merge.count == 0) {
      live.insert(merge.position, window, window, hold);
      setTimer(window, window);
      if (holds != null) {
        holds.add(hold);
      }
      return window;
    }
    int first = merge.entries[0];
    BoundedWindow stateWindow = live.stateWindow(first);
    // The state window's timer is due no later than the first window's end.
    long timerDue = live.window(first).maxTimestamp().getMillis();
    long merged = hold;
    for (int k = 0; k < merge.count; k++) {
      int entry = merge.entries[k];
      merged = OutputTimestamps.combine(timestampCombiner, live.hold(entry), merged);
      if (holds != null) {
        holds.remove(live.hold(entry));
      }
      if (k > 0) {
        contents.merge(stateWindow, live.stateWindow(entry));
      }
    }
    if (merge.count == 1) {
      live.set(first, merge.result, stateWindow, merged);
    } else {
      for (int k = merge.count - 1; k >= 0; k--) {
        live.remove(merge.entries[k]);
      }
      live.insert(merge.position, merge.result, stateWindow, merged);
    }
    if (holds != null) {
      holds.add(merged);
    }
    if (merge.result.maxTimestamp().getMillis() < timerDue) {
      setTimer(stateWindow, merge.result); // a WindowFn whose merge shrank the window
    }
    return stateWindow;
  }

  private void setTimer(BoundedWindow stateWindow, BoundedWindow window) {
    long end = window.maxTimestamp().getMillis();
    context
        .timerService()
        .registerEventTimeTimer(stateWindow, end == Long.MAX_VALUE ? end : end + 1);
  }

  @Override
  public void onTimer(Timer timer) throws Exception {
    BoundedWindow stateWindow = (BoundedWindow) timer.namespace();
    ValueState<Void, MergedWindows> state = context.state(windowsSpec);
    MergedWindows live = state.value(null);
    int i = live == null ? -1 : merging.indexOfStateWindow(live, stateWindow);
    if (i < 0) {
      return; // its window fired already, or was merged into another one
    }
    BoundedWindow window = live.window(i);
    long end = window.maxTimestamp().getMillis();
    if (end >= context.timerService().currentWatermark()) {
      setTimer(stateWindow, window); // the window grew since the timer was set
      return;
    }
    long hold = live.hold(i);
    OutputT result = contents.take(stateWindow);
    live.remove(i);
    if (live.size() == 0) {
      state.clear(null);
    } else {
      state.update(null, live);
    }
    long outputMillis = end;
    if (holds != null) {
      holds.remove(hold);
      outputMillis = hold;
    }
    K key = EncodedKey.decode(keyCoder, (KeyBytes) timer.key());
    outputCounts.count();
    output.emit(
        WindowedValues.of(
            KV.of(key, result),
            new Instant(outputMillis),
            window,
            PaneInfo.ON_TIME_AND_ONLY_FIRING));
  }

  /** Timers up to {@code watermark} have fired: windows that ended before it are paid. */
  @Override
  public void processWatermark(long watermark) {
    inputWatermark = watermark;
    outputCounts.flush();
    context.emitWatermark(holds == null ? watermark : Math.min(watermark, holds.min()));
  }

  @Override
  public void close() {
    outputCounts.close();
  }
}
