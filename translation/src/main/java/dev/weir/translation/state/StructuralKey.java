package dev.weir.translation.state;

import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.DataOutputView;
import dev.weir.state.serialization.TypeSerializer;
import java.io.IOException;
import java.util.Objects;
import org.apache.beam.sdk.coders.Coder;

/**
 * A key compared by its coder's structural value (so keys like byte arrays compare by content),
 * keeping the original key to hand back.
 */
final class StructuralKey<K> {

  final K key;
  private final Object structural;

  private StructuralKey(K key, Object structural) {
    this.key = key;
    this.structural = structural;
  }

  static <K> StructuralKey<K> of(Coder<K> coder, K key) {
    return new StructuralKey<>(key, coder.structuralValue(key));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StructuralKey<?> other && Objects.equals(structural, other.structural);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(structural);
  }

  /** Writes the original key with its coder; reading recomputes the structural value. */
  static final class Serializer<K> implements TypeSerializer<StructuralKey<K>> {
    private final Coder<K> coder;

    Serializer(Coder<K> coder) {
      this.coder = coder;
    }

    @Override
    public void serialize(StructuralKey<K> value, DataOutputView target) throws IOException {
      coder.encode(value.key, target);
    }

    @Override
    public StructuralKey<K> deserialize(DataInputView source) throws IOException {
      return of(coder, coder.decode(source));
    }
  }
}
