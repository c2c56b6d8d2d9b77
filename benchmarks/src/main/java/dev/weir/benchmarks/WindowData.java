package dev.weir.benchmarks;

/**
 * The records of issue 16's workloads, the same for the Beam pipelines and the native Flink jobs:
 * record {@code i} of {@code 0..n-1} is a (key, value = i) pair at an event time in milliseconds.
 *
 * <ul>
 *   <li>S1 sessions: {@link #SESSION_KEYS} keys in turn, 20 ms apart per round of keys, a pause of
 *       2 s after every 25 rounds: each key's records form sessions of 25 under a 1 s gap. Result:
 *       (key, session start, count).
 *   <li>S2 sliding: {@link #SLIDING_KEYS} keys in turn, ten records a millisecond, windows of 10 s
 *       every 5 s. Result: per window, the largest count of a key.
 *   <li>T1 timers: {@link #TIMER_KEYS} keys in turn; per key a value in state and an event-time
 *       timer set on its first record, all due after the last record. Result: (key, largest value).
 * </ul>
 */
public final class WindowData {

  public static final int SESSION_KEYS = 10_000;
  public static final long SESSION_GAP_MILLIS = 1_000;
  public static final int SLIDING_KEYS = 1_000;
  public static final long SLIDING_SIZE_MILLIS = 10_000;
  public static final long SLIDING_PERIOD_MILLIS = 5_000;
  public static final int TIMER_KEYS = 1_000_000;

  private WindowData() {}

  public static long sessionKey(long i) {
    return i % SESSION_KEYS;
  }

  public static long sessionTime(long i) {
    long round = i / SESSION_KEYS;
    return round * 20 + (round / 25) * 2_000;
  }

  public static long slidingKey(long i) {
    return i % SLIDING_KEYS;
  }

  public static long slidingTime(long i) {
    return i / 10;
  }

  public static long timerKey(long i) {
    return i % TIMER_KEYS;
  }

  /** Records arrive in time order: one millisecond per {@code TIMER_KEYS / 1,000} records. */
  public static long timerTime(long i) {
    return i / 1_000;
  }

  /** When key's timer fires: after every record of {@code n}, a few milliseconds apart by key. */
  public static long timerDeadline(long key, long n) {
    return timerTime(n) + 1_000 + key % 100;
  }

  /** Folds one result (an id and a figure) into an order-independent checksum. */
  public static long fold(long checksum, long id, long figure) {
    return Workloads.foldKeyedSum(checksum, id, figure);
  }

  /** S1's id of a session. */
  public static long sessionId(long key, long start) {
    return key * 1_000_003L + start;
  }
}
