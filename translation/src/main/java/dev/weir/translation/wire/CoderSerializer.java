package dev.weir.translation.wire;

import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.DataOutputView;
import dev.weir.state.serialization.TypeSerializer;
import java.io.IOException;
import java.io.Serializable;
import org.apache.beam.sdk.coders.Coder;

/** The engine's serializer interface implemented by a Beam coder: records between tasks, state in snapshots. */
public final class CoderSerializer<T> implements TypeSerializer<T>, Serializable {

  private static final long serialVersionUID = 1L;

  private final Coder<T> coder;

  public CoderSerializer(Coder<T> coder) {
    this.coder = coder;
  }

  public Coder<T> coder() {
    return coder;
  }

  @Override
  public void serialize(T value, DataOutputView target) throws IOException {
    coder.encode(value, target);
  }

  @Override
  public T deserialize(DataInputView source) throws IOException {
    return coder.decode(source);
  }

  /** Values of these coders are immutable: a copy is the value itself. */
  private static final java.util.Set<Class<?>> IMMUTABLE = java.util.Set.of(
      org.apache.beam.sdk.coders.VarLongCoder.class, org.apache.beam.sdk.coders.BigEndianLongCoder.class,
      org.apache.beam.sdk.coders.VarIntCoder.class, org.apache.beam.sdk.coders.BigEndianIntegerCoder.class,
      org.apache.beam.sdk.coders.StringUtf8Coder.class, org.apache.beam.sdk.coders.BooleanCoder.class,
      org.apache.beam.sdk.coders.DoubleCoder.class, org.apache.beam.sdk.coders.InstantCoder.class,
      org.apache.beam.sdk.coders.ByteCoder.class, org.apache.beam.sdk.coders.VoidCoder.class);

  @Override
  public T copy(T value) throws IOException {
    if (value == null || IMMUTABLE.contains(coder.getClass())) {
      return value;
    }
    return org.apache.beam.sdk.util.CoderUtils.clone(coder, value);
  }

  @Override
  public String toString() {
    return "CoderSerializer(" + coder + ")";
  }
}
