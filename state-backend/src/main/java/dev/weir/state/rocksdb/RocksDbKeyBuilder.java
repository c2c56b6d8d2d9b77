package dev.weir.state.rocksdb;

import dev.weir.state.serialization.DataOutputView;
import dev.weir.state.serialization.TypeSerializer;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Builds RocksDB keys in the layout of {@link RocksDbKeys} in buffers it reuses: setting the
 * current key allocates nothing, and a (key, namespace) key or a map entry's key costs one array,
 * the finished key that RocksDB is given. The current key's version tells callers that cache a
 * finished key whether it still belongs to the current key. Task thread only.
 */
final class RocksDbKeyBuilder<K> {

  private final TypeSerializer<K> keySerializer;

  /** One serialized value, before its length is known. */
  private final DataOutputView scratch = new DataOutputView(64);

  /** Key group and key, then the namespace and user key of the key being built. */
  private final DataOutputView key = new DataOutputView(128);

  private int keyPrefixLength;
  private long keyVersion;

  RocksDbKeyBuilder(TypeSerializer<K> keySerializer) {
    this.keySerializer = keySerializer;
  }

  /** Makes {@code current}, of key group {@code keyGroup}, the key of the keys built next. */
  void setKey(int keyGroup, K current) {
    key.clear();
    key.writeByte(keyGroup >>> 8);
    key.writeByte(keyGroup);
    appendLengthPrefixed(keySerializer, current);
    keyPrefixLength = key.length();
    keyVersion++;
  }

  /** Changes whenever {@link #setKey} is called. */
  long keyVersion() {
    return keyVersion;
  }

  /** The key of (current key, {@code namespace}): the prefix of all of a map's entries. */
  <N> byte[] entryKey(TypeSerializer<N> namespaces, N namespace) {
    key.truncate(keyPrefixLength);
    appendLengthPrefixed(namespaces, namespace);
    return key.toByteArray();
  }

  /** The key of map entry {@code userKey} under (current key, {@code namespace}). */
  <N, UK> byte[] userEntryKey(
      TypeSerializer<N> namespaces, N namespace, TypeSerializer<UK> userKeys, UK userKey) {
    key.truncate(keyPrefixLength);
    appendLengthPrefixed(namespaces, namespace);
    serialize(userKeys, userKey, key);
    return key.toByteArray();
  }

  private <T> void appendLengthPrefixed(TypeSerializer<T> serializer, T value) {
    scratch.clear();
    serialize(serializer, value, scratch);
    RocksDbKeys.writeLength(key, scratch.length());
    key.write(scratch.array(), 0, scratch.length());
  }

  private static <T> void serialize(TypeSerializer<T> serializer, T value, DataOutputView out) {
    try {
      serializer.serialize(value, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
