package dev.weir.state.heap;

import java.util.TreeSet;

/**
 * The versions that decide what the heap backend must copy before changing it. Every snapshot
 * starts a new version; an entry or state object made before the newest snapshot still being
 * written ({@link #firstUnshared()}) may be read by that snapshot, so the task copies it before
 * changing it or handing it to user code. Once every snapshot is written, nothing is shared and
 * nothing is copied.
 *
 * <p>Threads: {@link #startSnapshot} and {@link #current} on the task thread; {@link #release} on
 * whichever thread finished writing the snapshot; {@link #firstUnshared} on the task thread, which
 * may see a newer release late (and then copies once more than needed, never less).
 */
final class SnapshotVersions {

  /** Version of what the task makes now; starts above zero so that "nothing shared" is zero. */
  private int current = 1;

  /** Versions of the snapshots not yet released. Guarded by itself. */
  private final TreeSet<Integer> pending = new TreeSet<>();

  /** Anything made at this version or later is in no pending snapshot; 0 when none is pending. */
  private volatile int firstUnshared;

  /** The version of what the task makes or copies now. Task thread. */
  int current() {
    return current;
  }

  /** Objects of versions below this one may be read by a pending snapshot. Task thread. */
  int firstUnshared() {
    return firstUnshared;
  }

  /**
   * Starts a snapshot of everything made so far; returns its version, to {@link #release}. Task
   * thread.
   */
  int startSnapshot() {
    if (current == Integer.MAX_VALUE) {
      throw new IllegalStateException(
          "the heap state backend ran out of snapshot versions; restart the job from its latest checkpoint");
    }
    int version = ++current;
    synchronized (pending) {
      pending.add(version);
      firstUnshared = version;
    }
    return version;
  }

  /**
   * The snapshot of {@code version} is written (or abandoned): what only it shared may change in
   * place again. Any thread.
   */
  void release(int version) {
    synchronized (pending) {
      if (!pending.remove(version)) {
        return; // released twice: the second time changes nothing
      }
      firstUnshared = pending.isEmpty() ? 0 : pending.last();
    }
  }
}
