package dev.weir.state;

import dev.weir.state.serialization.TypeSerializer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Keyed state of one operator in one subtask, for the key groups of {@link #keyGroupRange()}. Every
 * state access is scoped to the current key, set per record (or per timer) by the task before the
 * operator runs. Not thread-safe: a backend belongs to its task's thread.
 */
public interface KeyedStateBackend<K> extends AutoCloseable {

  KeyGroupRange keyGroupRange();

  int maxParallelism();

  /** Writes keys in snapshots (also the keys of timers). */
  TypeSerializer<K> keySerializer();

  /** Sets the key that state accesses are scoped to. */
  void setCurrentKey(K key);

  /**
   * A hint that the state of {@code keys[0 .. count)} is about to be used, one key after another: a
   * backend may load what they will touch now, all at once, so the waits for memory overlap instead
   * of coming one per record. Changes nothing that can be observed; the default does nothing. Task
   * thread.
   */
  default void prefetch(Object[] keys, int count) {}

  K currentKey();

  int currentKeyGroup();

  /** The state a spec declares, created on first use. */
  <N, S> S state(StateSpec<N, S> spec);

  /** Receives the (key, namespace) pairs holding a state; the key is current during the call. */
  @FunctionalInterface
  interface EntryVisitor<K, N> {
    void visit(K key, N namespace) throws Exception;
  }

  /**
   * Visits every key and namespace that holds {@code spec}'s state, with that key made current (for
   * example to rebuild in-memory indexes after a restore). The state must not be changed during the
   * visit.
   */
  <N> void forEachEntry(StateSpec<N, ?> spec, EntryVisitor<K, N> visitor) throws Exception;

  /**
   * Writes every state of the given key groups (which must lie in {@link #keyGroupRange()}) to
   * bytes that {@link #restore} of a backend with any overlapping range reads back.
   */
  byte[] snapshot(KeyGroupRange keyGroups) throws IOException;

  /**
   * Takes a consistent view of the given key groups now, cheaply (the task thread carries on
   * changing state right after), to be written to bytes later, possibly on another thread: the
   * bytes are the state as it was at this call, whatever is done to the state or to objects read
   * from it afterwards. The caller releases the snapshot when it is written. The default writes the
   * bytes right away.
   */
  default StateSnapshot snapshotAsync(KeyGroupRange keyGroups) throws IOException {
    byte[] bytes = snapshot(keyGroups);
    return out -> out.write(bytes);
  }

  /**
   * State captured by {@link #snapshotAsync}: written once, on any thread, as a stream (it may be
   * larger than the heap), then {@linkplain #release() released}.
   */
  @FunctionalInterface
  interface StateSnapshot {
    /**
     * Writes the snapshot, once, on any thread. A backend's snapshot releases itself ({@link
     * #release}) once it has read what it captured, before this returns or throws.
     */
    void writeTo(OutputStream out) throws IOException;

    /**
     * Tells the backend the snapshot is written, or never will be: until then it may keep copying
     * what the snapshot shares before changing it. Any thread; calls after the first change
     * nothing; the snapshot must not be written afterwards.
     */
    default void release() {}

    /** The whole snapshot in memory, then released; for small states and tests. */
    default byte[] write() throws IOException {
      try {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        writeTo(bytes);
        return bytes.toByteArray();
      } finally {
        release();
      }
    }
  }

  /**
   * Restores from snapshots of any number of backends (for instance all subtasks before a change of
   * parallelism), keeping only the key groups this backend owns. Call before the first state
   * access. Snapshots are read as streams, one key-group block at a time.
   */
  void restoreFrom(Collection<? extends SnapshotFormat.Source> snapshots) throws IOException;

  /** {@link #restoreFrom} for snapshots in memory. */
  default void restore(Collection<byte[]> snapshots) throws IOException {
    List<SnapshotFormat.Source> sources = new ArrayList<>();
    for (byte[] b : snapshots) {
      sources.add(SnapshotFormat.Source.of(b));
    }
    restoreFrom(sources);
  }

  @Override
  void close();
}
