package dev.weir.state;

/**
 * Loads objects ahead of their use when a loop walks many of them scattered over the heap (a
 * snapshot writing every entry of a large table, say). Java has no prefetch instruction; loading
 * each object's header in a short loop of independent loads lets the processor wait for many cache
 * misses at once, where serializing one object after another waits for each miss in turn. Any
 * thread.
 */
public final class Prefetch {

  /** Written only so the loads below cannot be left out; never read. */
  @SuppressWarnings("unused")
  private static volatile int sink;

  private Prefetch() {}

  /** Loads the headers of {@code refs[0 .. count)} (null references are skipped). */
  public static void headers(Object[] refs, int count) {
    int plain = 0;
    for (int i = 0; i < count; i++) {
      Object o = refs[i];
      if (o != null && o.getClass() == Object.class) {
        plain++;
      }
    }
    if (plain < 0) {
      sink = plain;
    }
  }
}
