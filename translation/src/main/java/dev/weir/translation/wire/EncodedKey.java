package dev.weir.translation.wire;

import dev.weir.engine.graph.KeySelector;
import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.DataOutputView;
import dev.weir.state.serialization.TypeSerializer;
import java.io.IOException;
import java.io.Serializable;
import java.util.Arrays;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.util.VarInt;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.WindowedValue;

/**
 * Beam keys as the engine sees them: the key's encoding with its (deterministic) coder, as {@link
 * KeyBytes}, whose equals and hashCode follow the bytes. So keys group and hash the same on every
 * JVM, whatever the key type's own hashCode does.
 */
public final class EncodedKey {

  private EncodedKey() {}

  /** The encoded key of a windowed KV, for HASH edges into GroupByKey and stateful ParDo. */
  public static <K, V> KeySelector<WindowedValue<KV<K, V>>, KeyBytes> ofKv(Coder<K> keyCoder) {
    return new KvKeys<>(keyCoder);
  }

  /** The encoded keys of windowed KVs; a sender's hash without an array or a KeyBytes. */
  private static final class KvKeys<K, V>
      implements KeySelector<WindowedValue<KV<K, V>>, KeyBytes> {
    private static final long serialVersionUID = 1L;

    private final Coder<K> keyCoder;

    KvKeys(Coder<K> keyCoder) {
      this.keyCoder = keyCoder;
    }

    @Override
    public KeyBytes getKey(WindowedValue<KV<K, V>> record) throws IOException {
      return encode(keyCoder, record.getValue().getKey());
    }

    @Override
    public int keyHash(WindowedValue<KV<K, V>> record) throws IOException {
      return hash(keyCoder, record.getValue().getKey());
    }
  }

  /**
   * The key's encoding in the outer context, the bytes {@link CoderUtils#encodeToByteArray} gives:
   * keys are encoded once per element, and Beam's stream takes a lock per byte and two thread-local
   * lookups per call (a tenth of a stateful DoFn's time). Any thread; each has its own buffer.
   */
  @SuppressWarnings("deprecation") // Context.OUTER: the same bytes as CoderUtils.encodeToByteArray
  public static <K> KeyBytes encode(Coder<K> keyCoder, K key) throws IOException {
    if (keyCoder.getClass() == VarLongCoder.class && key != null) {
      return varLongKey((Long) key); // the most common key coder, without a stream
    }
    DataOutputView out = BUFFER.get();
    out.clear();
    keyCoder.encode(key, out, Coder.Context.OUTER);
    byte[] bytes = Arrays.copyOf(out.array(), out.length());
    if (out.array().length > MAX_KEPT_BUFFER) {
      BUFFER.remove(); // a huge key: do not keep its buffer for the thread's life
    }
    return new KeyBytes(bytes);
  }

  /**
   * {@code encode(keyCoder, key).hashCode()}, computed over the thread's buffer (or, for a long,
   * the bytes as they are made) without keeping the encoding. Any thread.
   */
  @SuppressWarnings("deprecation") // Context.OUTER: the same bytes as CoderUtils.encodeToByteArray
  public static <K> int hash(Coder<K> keyCoder, K key) throws IOException {
    if (keyCoder.getClass() == VarLongCoder.class && key != null) {
      return varLongHash((Long) key);
    }
    DataOutputView out = BUFFER.get();
    out.clear();
    keyCoder.encode(key, out, Coder.Context.OUTER);
    int hash = KeyBytes.hashOf(out.array(), 0, out.length());
    if (out.array().length > MAX_KEPT_BUFFER) {
      BUFFER.remove();
    }
    return hash;
  }

  /** The hash of {@link #varLong}'s bytes, byte by byte as they would be written. */
  private static int varLongHash(long value) {
    int h = KeyBytes.FNV_START;
    long v = value;
    while ((v & ~0x7FL) != 0) {
      h = KeyBytes.mix(h, (byte) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    return KeyBytes.finish(KeyBytes.mix(h, (byte) v));
  }

  /** The key of a VarLong: a short one packed as it is encoded, without an array. */
  private static KeyBytes varLongKey(long value) {
    int n = VarInt.getLength(value);
    if (n > KeyBytes.INLINE) {
      return new KeyBytes(varLong(value));
    }
    long prefix = 0;
    int h = KeyBytes.FNV_START;
    long v = value;
    for (int i = 0; i < n; i++) {
      byte b = (byte) (i < n - 1 ? (v & 0x7F) | 0x80 : v);
      prefix = (prefix << 8) | (b & 0xff);
      h = KeyBytes.mix(h, b);
      v >>>= 7;
    }
    return new KeyBytes(prefix, n, KeyBytes.finish(h));
  }

  /** What VarLongCoder writes for {@code value}: seven bits a byte, lowest first. */
  private static byte[] varLong(long value) {
    byte[] bytes = new byte[VarInt.getLength(value)];
    long v = value;
    for (int i = 0; i < bytes.length - 1; i++) {
      bytes[i] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    bytes[bytes.length - 1] = (byte) v;
    return bytes;
  }

  private static final int MAX_KEPT_BUFFER = 64 * 1024;

  private static final ThreadLocal<DataOutputView> BUFFER =
      ThreadLocal.withInitial(() -> new DataOutputView(64));

  /** The key {@link #encode} encoded: what {@link CoderUtils#decodeFromByteArray} gives. */
  @SuppressWarnings("unchecked")
  public static <K> K decode(Coder<K> keyCoder, KeyBytes key) throws IOException {
    if (keyCoder.getClass() == VarLongCoder.class && isVarLong(key)) {
      return (K) Long.valueOf(varLongValue(key)); // without Beam's two streams per key
    }
    return CoderUtils.decodeFromByteArray(keyCoder, key.bytes());
  }

  /**
   * Whether {@code bytes} is exactly one well-formed VarLong (else Beam's decoder says why not).
   */
  private static boolean isVarLong(KeyBytes key) {
    int n = key.length();
    if (n == 0 || n > 10 || (key.byteAt(n - 1) & 0x80) != 0) {
      return false;
    }
    for (int i = 0; i < n - 1; i++) {
      if ((key.byteAt(i) & 0x80) == 0) {
        return false;
      }
    }
    return true;
  }

  private static long varLongValue(KeyBytes key) {
    long value = 0;
    for (int i = 0; i < key.length(); i++) {
      value |= (long) (key.byteAt(i) & 0x7F) << (7 * i);
    }
    return value;
  }

  /** Serializes encoded keys in keyed-state snapshots: length and bytes. */
  public static final class Serializer implements TypeSerializer<KeyBytes>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean isImmutableType() {
      return true;
    }

    @Override
    public void serialize(KeyBytes value, DataOutputView target) throws IOException {
      value.writeTo(target);
    }

    @Override
    public KeyBytes deserialize(DataInputView source) throws IOException {
      byte[] bytes = new byte[source.readInt()];
      source.readFully(bytes);
      return new KeyBytes(bytes);
    }
  }
}
