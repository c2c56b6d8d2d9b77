package dev.weir.translation.wire;

import dev.weir.engine.graph.KeySelector;
import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.DataOutputView;
import dev.weir.state.serialization.TypeSerializer;
import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.WindowedValue;

/**
 * Beam keys as the engine sees them: the key's encoding with its (deterministic) coder, wrapped in
 * a {@link ByteBuffer}, whose equals and hashCode follow the bytes. So keys group and hash the
 * same on every JVM, whatever the key type's own hashCode does.
 */
public final class EncodedKey {

  private EncodedKey() {}

  /** The encoded key of a windowed KV, for HASH edges into GroupByKey and stateful ParDo. */
  public static <K, V> KeySelector<WindowedValue<KV<K, V>>, ByteBuffer> ofKv(Coder<K> keyCoder) {
    return wv -> encode(keyCoder, wv.getValue().getKey());
  }

  public static <K> ByteBuffer encode(Coder<K> keyCoder, K key) throws IOException {
    return ByteBuffer.wrap(CoderUtils.encodeToByteArray(keyCoder, key));
  }

  public static <K> K decode(Coder<K> keyCoder, ByteBuffer key) throws IOException {
    ByteBuffer b = key.duplicate();
    byte[] bytes = new byte[b.remaining()];
    b.get(bytes);
    return CoderUtils.decodeFromByteArray(keyCoder, bytes);
  }

  /** Serializes encoded keys in keyed-state snapshots: length and bytes. */
  public static final class Serializer implements TypeSerializer<ByteBuffer>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public void serialize(ByteBuffer value, DataOutputView target) {
      ByteBuffer b = value.duplicate();
      target.writeInt(b.remaining());
      while (b.hasRemaining()) {
        target.write(b.get());
      }
    }

    @Override
    public ByteBuffer deserialize(DataInputView source) throws IOException {
      byte[] bytes = new byte[source.readInt()];
      source.readFully(bytes);
      return ByteBuffer.wrap(bytes);
    }
  }
}
