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

  @Override
  public String toString() {
    return "CoderSerializer(" + coder + ")";
  }
}
