package dev.weir.translation.wire;

import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * An encoded Beam key as the engine's key: the bytes with a well-spread hash computed once. (A
 * {@code ByteBuffer}'s hash of short encodings collides heavily, which turned per-key state lookups
 * into tree searches.)
 *
 * <p>A key of at most eight bytes (most: numbers, short ids) is held in a long inside this object,
 * without an array: one object of 32 bytes per key instead of two of 48, which every live key of a
 * keyed state and every record on a keyed edge paid, and equality without reaching an array.
 * Immutable; any thread.
 */
public final class KeyBytes {

  /** The most bytes held without an array. */
  static final int INLINE = 8;

  /** The encoding when longer than {@link #INLINE}; null when it is all in {@link #prefix}. */
  private final byte[] bytes;

  /** The first (up to eight) bytes, big-endian, right-aligned: see {@link #prefix()}. */
  private final long prefix;

  private final int length;
  private final int hash;

  public KeyBytes(byte[] bytes) {
    this.length = bytes.length;
    this.prefix = prefixOf(bytes);
    this.bytes = bytes.length <= INLINE ? null : bytes;
    this.hash = hashOf(bytes, 0, bytes.length);
  }

  /** A short key: {@code length} (at most eight) bytes as {@link #prefix} packs them. */
  KeyBytes(long prefix, int length, int hash) {
    if (length > INLINE) {
      throw new IllegalArgumentException("an inline key holds at most 8 bytes, not " + length);
    }
    this.bytes = null;
    this.prefix = prefix;
    this.length = length;
    this.hash = hash;
  }

  /**
   * The encoding; do not modify. A short key's array is made on each call: hot paths use {@link
   * #length}, {@link #prefix}, {@link #writeTo} or {@link #compareUnsigned} instead.
   */
  public byte[] bytes() {
    if (bytes != null) {
      return bytes;
    }
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = (byte) (prefix >>> (8 * (length - 1 - i)));
    }
    return b;
  }

  /** Byte {@code i} of the encoding. */
  byte byteAt(int i) {
    return bytes != null ? bytes[i] : (byte) (prefix >>> (8 * (length - 1 - i)));
  }

  /** The number of bytes of the encoding. */
  public int length() {
    return length;
  }

  /**
   * The first eight bytes (all of a shorter key), big-endian and right-aligned: the first byte is
   * the highest of the {@code min(8, length)} lowest bytes. Equal keys have equal prefixes.
   */
  public long prefix() {
    return prefix;
  }

  /** Writes the encoding's length (an int) and bytes. */
  public void writeTo(DataOutput out) throws IOException {
    out.writeInt(length);
    if (bytes != null) {
      out.write(bytes);
    } else {
      for (int i = 0; i < length; i++) {
        out.writeByte((int) (prefix >>> (8 * (length - 1 - i))));
      }
    }
  }

  /** The order of {@link Arrays#compareUnsigned(byte[], byte[])} over the encodings. */
  public static int compareUnsigned(KeyBytes a, KeyBytes b) {
    if (a.bytes != null && b.bytes != null) {
      return Arrays.compareUnsigned(a.bytes, b.bytes);
    }
    // At least one is short (all in its prefix): the first (up to) eight bytes left-aligned and
    // zero-padded decide, or if they tie, the shorter key is a prefix of the other.
    int c = Long.compareUnsigned(leftAligned(a), leftAligned(b));
    return c != 0 ? c : Integer.compare(a.length, b.length);
  }

  private static long leftAligned(KeyBytes k) {
    int n = Math.min(k.length, INLINE);
    return n == 0 ? 0 : k.prefix << (8 * (INLINE - n));
  }

  static long prefixOf(byte[] b) {
    long p = 0;
    int n = Math.min(INLINE, b.length);
    for (int i = 0; i < n; i++) {
      p = (p << 8) | (b[i] & 0xff);
    }
    return p;
  }

  /** The hash of a key whose encoding is {@code b[from, to)}: its KeyBytes' hash code. */
  public static int hashOf(byte[] b, int from, int to) {
    int h = FNV_START;
    for (int i = from; i < to; i++) {
      h = mix(h, b[i]);
    }
    return finish(h);
  }

  // FNV-1a over the bytes, then a murmur finalizer.
  static final int FNV_START = 0x811c9dc5;

  static int mix(int h, byte x) {
    return (h ^ (x & 0xff)) * 0x01000193;
  }

  static int finish(int hash) {
    int h = hash;
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    return h ^ (h >>> 16);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyBytes k
        && k.hash == hash
        && k.length == length
        && k.prefix == prefix
        && (bytes == null || Arrays.equals(k.bytes, bytes));
  }

  @Override
  public String toString() {
    return "KeyBytes" + Arrays.toString(bytes());
  }
}
