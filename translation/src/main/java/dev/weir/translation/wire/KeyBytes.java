package dev.weir.translation.wire;

import java.util.Arrays;

/**
 * An encoded Beam key as the engine's key: the bytes with a well-spread hash computed once. (A
 * {@code ByteBuffer}'s hash of short encodings collides heavily, which turned per-key state lookups
 * into tree searches.)
 */
public final class KeyBytes {

  private final byte[] bytes;
  private final int hash;

  public KeyBytes(byte[] bytes) {
    this.bytes = bytes;
    this.hash = hash(bytes);
  }

  /** The encoding; do not modify. */
  public byte[] bytes() {
    return bytes;
  }

  private static int hash(byte[] b) {
    return hashOf(b, 0, b.length);
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
    return o instanceof KeyBytes k && k.hash == hash && Arrays.equals(k.bytes, bytes);
  }

  @Override
  public String toString() {
    return "KeyBytes" + Arrays.toString(bytes);
  }
}
