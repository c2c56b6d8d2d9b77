package dev.weir.translation.combine;

import dev.weir.engine.operator.AbstractOperator;
import dev.weir.engine.operator.OperatorContext;
import dev.weir.engine.operator.Timer;
import dev.weir.state.StateSpec;
import dev.weir.state.ValueState;
import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.DataOutputView;
import dev.weir.state.serialization.TypeSerializer;
import dev.weir.translation.operators.OwedWindows;
import dev.weir.translation.state.OutputTimestamps;
import dev.weir.translation.wire.CoderSerializer;
import dev.weir.translation.wire.EncodedKey;
import dev.weir.translation.wire.KeyBytes;
import java.io.IOException;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;
import org.joda.time.Instant;

/**
 * The second half of a lifted Combine.perKey when the windowing is the simplest one: windows that
 * do not merge, the default trigger and no allowed lateness. Then each key and window fires exactly
 * once, on time, when the watermark passes the window's end, so the operator needs one state cell
 * per key and window (the merged accumulator and the output timestamp) and one timer, instead of
 * the trigger, pane, hold and window-set bookkeeping of a ReduceFnRunner. It produces what
 * ReduceFnRunner produces for that windowing: one ON_TIME pane per key and window with the
 * timestamp the TimestampCombiner gives, late accumulators (window already past) dropped.
 *
 * <p>The output watermark is held at the earliest output timestamp still owed per window (an
 * in-memory index over windows, rebuilt from state after a restore), so no result is late.
 */
public final class FinalCombineOperator<K, AccumT, OutputT>
    extends AbstractOperator<WindowedValue<KV<K, AccumT>>, WindowedValue<KV<K, OutputT>>> {

  private final CombineFn<?, AccumT, OutputT> combineFn;
  private final Coder<K> keyCoder;
  private final Coder<AccumT> accumulatorCoder;
  private final Coder<BoundedWindow> windowCoder;
  private final TimestampCombiner timestampCombiner;

  private StateSpec<BoundedWindow, ValueState<BoundedWindow, Pending<AccumT>>> pendingSpec;
  private OwedWindows owed;
  private long inputWatermark;

  /** A key's merged accumulator in a window and the output timestamp so far. */
  record Pending<A>(A accumulator, long outputMillis) {}

  public FinalCombineOperator(
      CombineFn<?, AccumT, OutputT> combineFn,
      Coder<K> keyCoder,
      Coder<AccumT> accumulatorCoder,
      Coder<BoundedWindow> windowCoder,
      TimestampCombiner timestampCombiner) {
    this.combineFn = combineFn;
    this.keyCoder = keyCoder;
    this.accumulatorCoder = accumulatorCoder;
    this.windowCoder = windowCoder;
    this.timestampCombiner = timestampCombiner;
  }

  @Override
  public void open(OperatorContext<WindowedValue<KV<K, OutputT>>> context) throws Exception {
    super.open(context);
    CoderSerializer<BoundedWindow> windows = new CoderSerializer<>(windowCoder);
    pendingSpec =
        StateSpec.value(
            "final-combine",
            windows,
            new PendingSerializer<>(new CoderSerializer<>(accumulatorCoder)));
    context.timerService().setNamespaceSerializer(windows);
    inputWatermark = Long.MIN_VALUE;
    owed = new OwedWindows();
    // After a restore: the holds of the results still owed.
    ValueState<BoundedWindow, Pending<AccumT>> pending = context.state(pendingSpec);
    context
        .keyedStateBackend()
        .forEachEntry(
            pendingSpec,
            (key, window) -> {
              Pending<AccumT> p = pending.value(window);
              if (p != null) {
                owed.owe(window, p.outputMillis());
              }
            });
  }

  @Override
  public void processElement(WindowedValue<KV<K, AccumT>> element) throws Exception {
    ValueState<BoundedWindow, Pending<AccumT>> pending = context.state(pendingSpec);
    for (BoundedWindow window : element.getWindows()) {
      long end = window.maxTimestamp().getMillis();
      if (end < inputWatermark) {
        continue; // the window fired already and allows no lateness: Beam drops the data
      }
      long output = timestampCombiner.assign(window, element.getTimestamp()).getMillis();
      Pending<AccumT> p = pending.value(window);
      if (p == null) {
        pending.update(window, new Pending<>(element.getValue().getValue(), output));
        context
            .timerService()
            .registerEventTimeTimer(window, end == Long.MAX_VALUE ? end : end + 1);
      } else {
        AccumT merged =
            combineFn.mergeAccumulators(List.of(p.accumulator(), element.getValue().getValue()));
        long combined = OutputTimestamps.combine(timestampCombiner, p.outputMillis(), output);
        pending.update(window, new Pending<>(merged, combined));
        output = combined;
      }
      owed.owe(window, output);
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public void onTimer(Timer timer) throws Exception {
    BoundedWindow window = (BoundedWindow) timer.namespace();
    ValueState<BoundedWindow, Pending<AccumT>> pending = context.state(pendingSpec);
    Pending<AccumT> p = pending.value(window);
    if (p == null) {
      return;
    }
    pending.clear(window);
    K key = EncodedKey.decode(keyCoder, (KeyBytes) timer.key());
    output.emit(
        WindowedValues.of(
            KV.of(key, combineFn.extractOutput(p.accumulator())),
            new Instant(p.outputMillis()),
            window,
            PaneInfo.ON_TIME_AND_ONLY_FIRING));
  }

  /** Timers up to {@code watermark} have fired: windows that ended before it owe nothing more. */
  @Override
  public void processWatermark(long watermark) {
    inputWatermark = watermark;
    context.emitWatermark(owed.advance(watermark));
  }

  /** Writes the output timestamp, then the accumulator. */
  private static final class PendingSerializer<A> implements TypeSerializer<Pending<A>> {
    private final TypeSerializer<A> accumulators;

    PendingSerializer(TypeSerializer<A> accumulators) {
      this.accumulators = accumulators;
    }

    @Override
    public void serialize(Pending<A> value, DataOutputView target) throws IOException {
      target.writeLong(value.outputMillis());
      accumulators.serialize(value.accumulator(), target);
    }

    @Override
    public Pending<A> deserialize(DataInputView source) throws IOException {
      long output = source.readLong();
      return new Pending<>(accumulators.deserialize(source), output);
    }

    @Override
    public boolean isImmutableType() {
      return accumulators.isImmutableType();
    }

    @Override
    public TypeSerializer<Pending<A>> duplicate() {
      TypeSerializer<A> own = accumulators.duplicate();
      return own == accumulators ? this : new PendingSerializer<>(own);
    }

    @Override
    public Pending<A> copy(Pending<A> value) throws IOException {
      return isImmutableType()
          ? value
          : new Pending<>(accumulators.copy(value.accumulator()), value.outputMillis());
    }
  }
}
