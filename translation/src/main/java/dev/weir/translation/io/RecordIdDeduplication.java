package dev.weir.translation.io;

import dev.weir.engine.graph.JobVertex;
import dev.weir.engine.graph.KeySelector;
import dev.weir.engine.operator.AbstractOperator;
import dev.weir.engine.operator.OperatorContext;
import dev.weir.engine.operator.Timer;
import dev.weir.state.StateSpec;
import dev.weir.state.ValueState;
import dev.weir.state.serialization.Serializers;
import dev.weir.translation.context.TranslationContext;
import dev.weir.translation.wire.CoderSerializer;
import dev.weir.translation.wire.KeyBytes;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.ValueWithRecordId;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;

/**
 * One output per record id for sources whose {@code requiresDeduping()} is true (they may deliver a
 * record more than once: redelivery after a restart, or the same record from two splits). The read
 * emits each value with its id; this operator, keyed by the id, lets the first through and drops
 * the rest. The ids seen are keyed state, so they survive restores and rescaling, and each is kept
 * for {@link #RETENTION_MILLIS} of processing time (as Beam's DirectRunner and Flink's runner do),
 * so an unbounded read does not keep every id forever.
 */
public final class RecordIdDeduplication<T>
    extends AbstractOperator<WindowedValue<ValueWithRecordId<T>>, WindowedValue<T>> {

  /** How long a seen id is remembered: ten minutes of processing time. */
  public static final long RETENTION_MILLIS = 10 * 60 * 1000L;

  private static final StateSpec<Void, ValueState<Void, Boolean>> SEEN =
      StateSpec.value("seen-record-id", Serializers.VOID, Serializers.BOOLEAN);

  private ValueState<Void, Boolean> seen;

  @Override
  public void open(OperatorContext<WindowedValue<T>> context) throws Exception {
    super.open(context);
    seen = context.state(SEEN);
  }

  @Override
  public void processElement(WindowedValue<ValueWithRecordId<T>> record) {
    if (seen.value(null) != null) {
      return;
    }
    seen.update(null, Boolean.TRUE);
    context
        .timerService()
        .registerProcessingTimeTimer(null, context.currentProcessingTime() + RETENTION_MILLIS);
    output.emit(record.withValue(record.getValue().getValue()));
  }

  @Override
  public void onTimer(Timer timer) {
    seen.clear(null);
  }

  /**
   * Puts the deduplication after {@code read}, whose values come with their record ids, and makes
   * it the producer of {@code output} (the read's PCollection).
   */
  public static <T> void addAfter(
      TranslationContext context, JobVertex read, PCollection<T> output, String name) {
    Coder<WindowedValue<ValueWithRecordId<T>>> withIds =
        WindowedValues.getFullCoder(
            ValueWithRecordId.ValueWithRecordIdCoder.of(output.getCoder()),
            GlobalWindow.Coder.INSTANCE);
    JobVertex dedup =
        context.addOperator(name + "/deduplicate by record id", RecordIdDeduplication::new);
    KeySelector<WindowedValue<ValueWithRecordId<T>>, KeyBytes> byId =
        wv -> new KeyBytes(wv.getValue().getId());
    context.connectByEncodedKey(read, new CoderSerializer<>(withIds), byId, dedup);
    context.setProducer(output, dedup, 0);
  }
}
