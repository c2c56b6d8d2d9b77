package dev.weir.translation.operators;

import dev.weir.engine.operator.AbstractOperator;
import dev.weir.engine.operator.OperatorContext;
import dev.weir.engine.operator.Timer;
import dev.weir.state.ListState;
import dev.weir.state.StateSpec;
import dev.weir.state.ValueState;
import dev.weir.state.serialization.Serializers;
import dev.weir.translation.metrics.JobMetrics;
import dev.weir.translation.metrics.StepOutputCounts;
import dev.weir.translation.state.OutputTimestamps;
import dev.weir.translation.wire.CoderSerializer;
import dev.weir.translation.wire.EncodedKey;
import dev.weir.translation.wire.KeyBytes;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;
import org.joda.time.Instant;

/**
 * A GroupByKey whose windowing makes every key and window fire exactly once, on time: windows that
 * do not merge, the default trigger and no allowed lateness (every batch pipeline's GroupByKey
 * unless it sets a trigger or merging windows). Each key and window then needs a list of its
 * values, its output timestamp and one timer at the window's end, instead of ReduceFnRunner's
 * trigger, pane, hold and window-set state touched several times per element (which made GroupByKey
 * run at about DirectRunner's speed).
 *
 * <p>It emits what ReduceFnRunner emits for that windowing: one {@code ON_TIME} pane per key and
 * window holding all its values, with the timestamp the TimestampCombiner gives; values for a
 * window the watermark has passed are dropped (Beam drops them as expired). The output watermark is
 * held at the earliest timestamp still owed ({@link OwedWindows}, rebuilt from state on restore).
 */
public final class OnTimeGroupByKeyOperator<K, V>
    extends AbstractOperator<WindowedValue<KV<K, V>>, WindowedValue<KV<K, Iterable<V>>>> {

  private final Coder<K> keyCoder;
  private final Coder<V> valueCoder;
  private final Coder<BoundedWindow> windowCoder;
  private final TimestampCombiner timestampCombiner;
  private final StepOutputCounts outputCounts;

  private StateSpec<BoundedWindow, ListState<BoundedWindow, V>> valuesSpec;
  private StateSpec<BoundedWindow, ValueState<BoundedWindow, Long>> outputTimeSpec;
  private OwedWindows owed;
  private long inputWatermark;

  /** {@code outputPCollection}: the name of the PCollection produced, for Beam's element count. */
  public OnTimeGroupByKeyOperator(
      String stepName,
      Coder<K> keyCoder,
      Coder<V> valueCoder,
      Coder<BoundedWindow> windowCoder,
      TimestampCombiner timestampCombiner,
      JobMetrics metrics,
      String outputPCollection) {
    this.keyCoder = keyCoder;
    this.valueCoder = valueCoder;
    this.windowCoder = windowCoder;
    this.timestampCombiner = timestampCombiner;
    this.outputCounts = new StepOutputCounts(stepName, metrics, outputPCollection);
  }

  @Override
  public void open(OperatorContext<WindowedValue<KV<K, Iterable<V>>>> context) throws Exception {
    super.open(context);
    CoderSerializer<BoundedWindow> windows = new CoderSerializer<>(windowCoder);
    // Grouped values are inputs, never changed in place (Beam forbids it): snapshots may share
    // them.
    valuesSpec =
        StateSpec.list(
            "gbk-values", windows, Serializers.asImmutable(new CoderSerializer<>(valueCoder)));
    outputTimeSpec = StateSpec.value("gbk-output-time", windows, Serializers.LONG);
    context.timerService().setNamespaceSerializer(windows);
    outputCounts.open();
    inputWatermark = Long.MIN_VALUE;
    owed = new OwedWindows();
    // After a restore: the holds of the results still owed.
    ValueState<BoundedWindow, Long> outputTimes = context.state(outputTimeSpec);
    context
        .keyedStateBackend()
        .forEachEntry(
            outputTimeSpec,
            (key, window) -> {
              Long t = outputTimes.value(window);
              if (t != null) {
                owed.owe(window, t);
              }
            });
  }

  @Override
  public void processElement(WindowedValue<KV<K, V>> element) throws Exception {
    ValueState<BoundedWindow, Long> outputTimes = context.state(outputTimeSpec);
    ListState<BoundedWindow, V> values = context.state(valuesSpec);
    V value = element.getValue().getValue();
    for (BoundedWindow window : element.getWindows()) {
      long end = window.maxTimestamp().getMillis();
      if (end < inputWatermark) {
        continue; // the window fired already and allows no lateness: Beam drops the data
      }
      long output = timestampCombiner.assign(window, element.getTimestamp()).getMillis();
      Long previous = outputTimes.value(window);
      if (previous == null) {
        outputTimes.update(window, output);
        context
            .timerService()
            .registerEventTimeTimer(window, end == Long.MAX_VALUE ? end : end + 1);
        owed.owe(window, output);
      } else {
        long combined = OutputTimestamps.combine(timestampCombiner, previous, output);
        if (combined != previous) {
          outputTimes.update(window, combined);
          owed.owe(window, combined);
        }
      }
      values.add(window, value);
    }
  }

  @Override
  public void onTimer(Timer timer) throws Exception {
    BoundedWindow window = (BoundedWindow) timer.namespace();
    ValueState<BoundedWindow, Long> outputTimes = context.state(outputTimeSpec);
    Long outputMillis = outputTimes.value(window);
    if (outputMillis == null) {
      return;
    }
    ListState<BoundedWindow, V> values = context.state(valuesSpec);
    // The list stays as it is once cleared from state (a later value for this key and window starts
    // a new one).
    List<V> grouped = values.get(window);
    outputTimes.clear(window);
    values.clear(window);
    K key = EncodedKey.decode(keyCoder, (KeyBytes) timer.key());
    outputCounts.count();
    output.emit(
        WindowedValues.of(
            KV.of(key, (Iterable<V>) grouped),
            new Instant(outputMillis.longValue()),
            window,
            PaneInfo.ON_TIME_AND_ONLY_FIRING));
  }

  /** Timers up to {@code watermark} have fired: windows that ended before it owe nothing more. */
  @Override
  public void processWatermark(long watermark) {
    inputWatermark = watermark;
    outputCounts.flush();
    context.emitWatermark(owed.advance(watermark));
  }

  @Override
  public void close() {
    outputCounts.close();
  }
}
