package dev.weir.engine.time;

/**
 * Sorts timers given as parallel arrays of timestamps and registration numbers into the order they
 * fire (by timestamp, then by registration), as a permutation of their indices. Registration
 * numbers are unique, so the order is total. Stateless; any thread.
 */
final class FiringOrder {

  /** Runs shorter than this are sorted by insertion before merging. */
  private static final int RUN = 32;

  private FiringOrder() {}

  /**
   * The indices of {@code timestamps} (and {@code sequences}, of the same length) in firing order.
   */
  static int[] sort(long[] timestamps, long[] sequences) {
    int n = timestamps.length;
    if (sequences.length != n) {
      throw new IllegalArgumentException(
          n + " timestamps but " + sequences.length + " registration numbers");
    }
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int from = 0; from < n; from += RUN) {
      insertionSort(order, from, Math.min(from + RUN, n), timestamps, sequences);
    }
    int[] other = new int[n];
    for (int width = RUN; width < n; width *= 2) {
      for (int from = 0; from < n; from += 2 * width) {
        int middle = Math.min(from + width, n);
        int to = Math.min(from + 2 * width, n);
        merge(order, other, from, middle, to, timestamps, sequences);
      }
      int[] swap = order;
      order = other;
      other = swap;
    }
    return order;
  }

  private static boolean before(int a, int b, long[] timestamps, long[] sequences) {
    long ta = timestamps[a];
    long tb = timestamps[b];
    return ta < tb || (ta == tb && sequences[a] < sequences[b]);
  }

  private static void insertionSort(
      int[] order, int from, int to, long[] timestamps, long[] sequences) {
    for (int i = from + 1; i < to; i++) {
      int moving = order[i];
      int j = i - 1;
      while (j >= from && before(moving, order[j], timestamps, sequences)) {
        order[j + 1] = order[j];
        j--;
      }
      order[j + 1] = moving;
    }
  }

  /**
   * Merges the sorted {@code source[from, middle)} and {@code [middle, to)} into {@code target}.
   */
  private static void merge(
      int[] source,
      int[] target,
      int from,
      int middle,
      int to,
      long[] timestamps,
      long[] sequences) {
    int left = from;
    int right = middle;
    for (int out = from; out < to; out++) {
      if (right >= to
          || (left < middle && !before(source[right], source[left], timestamps, sequences))) {
        target[out] = source[left++];
      } else {
        target[out] = source[right++];
      }
    }
  }
}
