package dev.weir.engine.task;

import dev.weir.engine.operator.Output;
import dev.weir.state.serialization.DataOutputView;
import dev.weir.state.serialization.TypeSerializer;

/**
 * Hands records to a chained operator as objects, after serializing the first one and every {@code
 * every}-th after it into a reused buffer whose bytes are dropped: a serializer that cannot encode
 * its records fails the task here, as it would on an edge between tasks, instead of passing
 * unnoticed. Checking one record in many catches a coder that cannot encode a type at once and one
 * that fails on some values sooner or later, for a per-record cost of one countdown. Task thread
 * only.
 */
final class EncodingChainedOutput implements Output<Object>, WatermarkTarget {

  /** Past this the buffer is replaced, so one huge record does not pin its size for good. */
  private static final int RETAINED_BYTES = 1 << 16;

  private final ChainedOutput next;
  private final TypeSerializer<Object> serializer;
  private final int every;
  private final String edge;

  /** Records until the next one is serialized; the first one is. */
  private int countdown = 1;

  private DataOutputView scratch = new DataOutputView(256);

  @SuppressWarnings("unchecked")
  EncodingChainedOutput(
      OperatorHost target, int input, TypeSerializer<?> serializer, int every, String edge) {
    if (every < 1) {
      throw new IllegalArgumentException("every must be at least 1, got " + every);
    }
    this.next = new ChainedOutput(target, input);
    this.serializer = (TypeSerializer<Object>) serializer;
    this.every = every;
    this.edge = edge;
  }

  @Override
  public void emit(Object record) {
    if (--countdown == 0) {
      countdown = every;
      encode(record);
    }
    next.emit(record);
  }

  private void encode(Object record) {
    try {
      scratch.clear();
      serializer.serialize(record, scratch);
      if (scratch.length() > RETAINED_BYTES) {
        scratch = new DataOutputView(256);
      }
    } catch (Exception e) {
      throw new UnencodableRecordException(edge, e);
    }
  }

  @Override
  public void processWatermark(long watermark) throws Exception {
    next.processWatermark(watermark);
  }
}
