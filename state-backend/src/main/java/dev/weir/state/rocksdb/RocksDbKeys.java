package dev.weir.state.rocksdb;

import dev.weir.state.serialization.DataOutputView;
import java.util.Arrays;

/**
 * Layout of RocksDB keys: key group (2 bytes, big-endian, so a key group's entries are contiguous
 * and in order), the key's bytes and the namespace's bytes, each after its length (so one (key,
 * namespace) prefix is never a prefix of another's), then for map state the user key.
 */
final class RocksDbKeys {

  private RocksDbKeys() {}

  static void writeLength(DataOutputView out, int length) {
    while ((length & ~0x7F) != 0) {
      out.writeByte((length & 0x7F) | 0x80);
      length >>>= 7;
    }
    out.writeByte(length);
  }

  /** Reads a length written by {@link #writeLength} at {@code pos[0]}, advancing it. */
  static int readLength(byte[] bytes, int[] pos) {
    int result = 0;
    int shift = 0;
    while (true) {
      byte b = bytes[pos[0]++];
      result |= (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return result;
      }
      shift += 7;
    }
  }

  static boolean startsWith(byte[] bytes, byte[] prefix) {
    return bytes.length >= prefix.length
        && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
  }

  /**
   * The smallest byte string greater than every string starting with {@code prefix}, or null if
   * none.
   */
  static byte[] successor(byte[] prefix) {
    byte[] next = prefix.clone();
    for (int i = next.length - 1; i >= 0; i--) {
      if (next[i] != (byte) 0xFF) {
        next[i]++;
        return Arrays.copyOf(next, i + 1);
      }
    }
    return null;
  }

  static int keyGroupOf(byte[] key) {
    return ((key[0] & 0xFF) << 8) | (key[1] & 0xFF);
  }
}
