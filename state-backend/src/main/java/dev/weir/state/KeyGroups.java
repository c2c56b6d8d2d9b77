package dev.weir.state;

/**
 * How keys map to key groups and key groups to subtasks. A key's group depends only on the key and
 * the max parallelism, so state can be redistributed to any parallelism up to it.
 */
public final class KeyGroups {

  /** Max parallelism (number of key groups) when a vertex does not set one. */
  public static final int DEFAULT_MAX_PARALLELISM = 128;

  /** The largest supported number of key groups. */
  public static final int UPPER_BOUND_MAX_PARALLELISM = 1 << 15;

  private KeyGroups() {}

  /** The key group of a key: its hash, spread by a murmur finalizer, modulo max parallelism. */
  /**
   * The key group of {@code key}, which must lie in {@code range} (the subtask's own): a key
   * outside it reached the wrong subtask, and the error says why that happens.
   */
  public static int ownKeyGroup(Object key, int maxParallelism, KeyGroupRange range) {
    int keyGroup = keyGroupFor(key, maxParallelism);
    if (!range.contains(keyGroup)) {
      throw new IllegalStateException(
          "key "
              + key
              + " is in key group "
              + keyGroup
              + ", outside this subtask's "
              + range
              + ": the record did not arrive over a HASH edge with the same key");
    }
    return keyGroup;
  }

  public static int keyGroupFor(Object key, int maxParallelism) {
    if (key == null) {
      throw new NullPointerException("keys of keyed state and HASH edges must not be null");
    }
    return keyGroupForHash(key.hashCode(), maxParallelism);
  }

  public static int keyGroupForHash(int hashCode, int maxParallelism) {
    return (spread(hashCode) & Integer.MAX_VALUE) % maxParallelism;
  }

  /** The subtask (of {@code parallelism}) that owns {@code keyGroup}. */
  public static int subtaskFor(int keyGroup, int maxParallelism, int parallelism) {
    return (int) ((long) keyGroup * parallelism / maxParallelism);
  }

  /**
   * The key groups owned by subtask {@code index}: exactly those for which {@link #subtaskFor} is
   * {@code index}.
   */
  public static KeyGroupRange rangeFor(int index, int maxParallelism, int parallelism) {
    if (parallelism < 1 || parallelism > maxParallelism || index < 0 || index >= parallelism) {
      throw new IllegalArgumentException(
          "subtask " + index + " of " + parallelism + " with max parallelism " + maxParallelism);
    }
    int start = ceilDiv((long) index * maxParallelism, parallelism);
    int end = ceilDiv((long) (index + 1) * maxParallelism, parallelism) - 1;
    return new KeyGroupRange(start, end);
  }

  private static int ceilDiv(long a, int b) {
    return (int) ((a + b - 1) / b);
  }

  /** Murmur3's 32-bit finalizer: makes poor hash codes (small integers) spread over key groups. */
  private static int spread(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }
}
