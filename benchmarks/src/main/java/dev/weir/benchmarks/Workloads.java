package dev.weir.benchmarks;

import java.util.Random;

/**
 * The data of the engine benchmarks, defined once so every system under test reads exactly the same
 * records and must compute the same checksum.
 *
 * <ul>
 *   <li>W1 grep: line {@code i} is {@link #line(long)}; about 1% contain {@link #NEEDLE}; the job
 *       counts the lines that contain it.
 *   <li>W2 keyed sum: record {@code i} is (key {@link #key(long)}, value {@code i}); the job sums
 *       the values per key and emits one (key, sum) per key at the end of the input.
 * </ul>
 */
public final class Workloads {

  public static final String NEEDLE = "weir-needle";
  public static final int DISTINCT_KEYS = 100_000;

  private static final int LINE_POOL = 4096;
  private static final String[] LINES = generateLines();

  private Workloads() {}

  /**
   * Line {@code i} of W1. Lines come from a fixed pool of random text, 41 of 4096 hold the needle.
   */
  public static String line(long i) {
    return LINES[(int) (i & (LINE_POOL - 1))];
  }

  /** The key of record {@code i} of W2. */
  public static long key(long i) {
    return (i * 0x9E3779B97F4A7C15L >>> 1) % DISTINCT_KEYS;
  }

  /** Folds one (key, sum) result of W2 into an order-independent checksum. */
  public static long foldKeyedSum(long checksum, long key, long sum) {
    return checksum + mix(key * 1_000_003L + sum);
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** The expected W1 count, computed directly, so a run can be checked without a peer. */
  public static long expectedGrepCount(long lines) {
    long perPool = 0;
    long[] prefix = new long[LINE_POOL + 1];
    for (int j = 0; j < LINE_POOL; j++) {
      prefix[j + 1] = prefix[j] + (LINES[j].contains(NEEDLE) ? 1 : 0);
    }
    perPool = prefix[LINE_POOL];
    return (lines / LINE_POOL) * perPool + prefix[(int) (lines % LINE_POOL)];
  }

  private static String[] generateLines() {
    Random random = new Random(42);
    String[] lines = new String[LINE_POOL];
    String alphabet = "abcdefghijklmnopqrstuvwxyz      ";
    for (int i = 0; i < LINE_POOL; i++) {
      int length = 60 + random.nextInt(80);
      StringBuilder sb = new StringBuilder(length + NEEDLE.length());
      for (int c = 0; c < length; c++) {
        sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      if (i % 100 == 7) {
        sb.insert(random.nextInt(length), NEEDLE);
      }
      lines[i] = sb.toString();
    }
    return lines;
  }
}
