package dev.weir.state.heap;

import dev.weir.state.Prefetch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Objects;

/**
 * The (key, namespace) → state entries of one state in one key group, as a hash table with chaining
 * whose snapshots cost one array reference and whose copying happens per entry, lazily.
 *
 * <p>A snapshot keeps the bucket array of the moment it was taken and reads it later on a writer
 * thread. From then on the task never changes what that snapshot can reach: before the first change
 * of a shared bucket array it clones the array; before changing a shared entry (its state or its
 * link) it replaces the entry, and the entries before it in its chain, by copies; before handing a
 * shared state object to anyone who may change it ({@link #get}), it deep-copies the object. What
 * is shared is decided by versions ({@link SnapshotVersions}): anything made before the newest
 * pending snapshot may be read by a snapshot. So the first access of an entry after a snapshot
 * copies that entry only; entries not touched before the snapshot is written are never copied; and
 * with no snapshot pending nothing is copied at all.
 *
 * <p>Single-threaded (the task thread), except that captured {@link Snapshot}s may be read on any
 * thread.
 */
final class CopyOnWriteStateMap<K, N, S> {

  private static final int MIN_CAPACITY = 8;

  /** One (key, namespace) and its state. A shared entry (see above) never changes. */
  static final class Entry<K, N, S> {
    final K key;
    final N namespace;
    final int hash;
    S state;
    Entry<K, N, S> next;

    /** The version this entry object was made at. */
    int entryVersion;

    /** The version {@link #state} was put or copied at. */
    int stateVersion;

    Entry(
        K key,
        N namespace,
        int hash,
        S state,
        Entry<K, N, S> next,
        int entryVersion,
        int stateVersion) {
      this.key = key;
      this.namespace = namespace;
      this.hash = hash;
      this.state = state;
      this.next = next;
      this.entryVersion = entryVersion;
      this.stateVersion = stateVersion;
    }
  }

  /** Deep copy of a state object (the value, or a list or map with its elements). */
  @FunctionalInterface
  interface StateCopier<S> {
    S copy(S state) throws IOException;
  }

  /** The entries as they were when {@link #snapshot()} was called; readable on any thread. */
  record Snapshot<K, N, S>(Entry<K, N, S>[] buckets, int size) {
    /**
     * Calls {@code consumer} for every captured entry. Entries are visited in batches: first their
     * references are gathered, then their keys and states loaded, then handed on, so that the loads
     * of a batch (each a likely cache miss in a large table) overlap instead of waiting for one
     * another; serializing entry by entry spent most of its time waiting on memory.
     */
    @SuppressWarnings("unchecked")
    <E extends Exception> void forEach(EntryConsumer<K, N, S, E> consumer) throws E {
      Object[] keys = new Object[BATCH];
      Object[] namespaces = new Object[BATCH];
      Object[] states = new Object[BATCH];
      int n = 0;
      for (Entry<K, N, S> head : buckets) {
        for (Entry<K, N, S> e = head; e != null; e = e.next) {
          keys[n] = e.key;
          namespaces[n] = e.namespace;
          states[n] = e.state;
          if (++n == BATCH) {
            Prefetch.headers(keys, n);
            Prefetch.headers(states, n);
            for (int i = 0; i < n; i++) {
              consumer.accept((K) keys[i], (N) namespaces[i], (S) states[i]);
            }
            n = 0;
          }
        }
      }
      Prefetch.headers(keys, n);
      Prefetch.headers(states, n);
      for (int i = 0; i < n; i++) {
        consumer.accept((K) keys[i], (N) namespaces[i], (S) states[i]);
      }
    }
  }

  /** Entries per batch of {@link Snapshot#forEach}: enough loads in flight, all in cache. */
  private static final int BATCH = 64;

  @FunctionalInterface
  interface EntryConsumer<K, N, S, E extends Exception> {
    void accept(K key, N namespace, S state) throws E;
  }

  private final SnapshotVersions versions;
  private final StateCopier<S> copier;
  private Entry<K, N, S>[] buckets;

  /**
   * The version {@link #buckets} was allocated at: below the first unshared version, a snapshot may
   * hold it.
   */
  private int bucketsVersion;

  private int size;

  CopyOnWriteStateMap(SnapshotVersions versions, StateCopier<S> copier) {
    this.versions = versions;
    this.copier = copier;
    this.buckets = newBuckets(MIN_CAPACITY);
    this.bucketsVersion = versions.current();
  }

  @SuppressWarnings("unchecked")
  private static <K, N, S> Entry<K, N, S>[] newBuckets(int capacity) {
    return (Entry<K, N, S>[]) new Entry[capacity];
  }

  private static int hash(Object key, Object namespace) {
    int h = key.hashCode() * 31 + (namespace == null ? 0 : namespace.hashCode());
    h *= 0x9E3779B9; // spreads keys whose hashes differ only in high bits (boxed longs, say)
    return h ^ (h >>> 16);
  }

  private static boolean matches(Entry<?, ?, ?> e, int hash, Object key, Object namespace) {
    return e.hash == hash
        && (e.key == key || e.key.equals(key))
        && (e.namespace == namespace || Objects.equals(e.namespace, namespace));
  }

  int size() {
    return size;
  }

  /**
   * The state of (key, namespace) for the caller to read or change in place, or {@code null}: never
   * an object a pending snapshot will write.
   */
  S get(K key, N namespace) {
    Entry<K, N, S> e = find(key, namespace);
    if (e == null) {
      return null;
    }
    return e.stateVersion < versions.firstUnshared() ? ownState(e) : e.state;
  }

  /**
   * The state of (key, namespace), only to look at (it may be shared with a snapshot), or {@code
   * null}.
   */
  S peek(K key, N namespace) {
    Entry<K, N, S> e = find(key, namespace);
    return e == null ? null : e.state;
  }

  /**
   * The first entry of the chain (key, namespace) hashes to, or {@code null}: loading it is the
   * first of a lookup's cache misses (see {@link StateTable#prefetch}).
   */
  Entry<K, N, S> bucketHead(K key, N namespace) {
    Entry<K, N, S>[] tab = buckets;
    return tab[hash(key, namespace) & (tab.length - 1)];
  }

  /**
   * Loads {@code entries[0 .. count)} (nulls skipped) and the headers of their keys and states,
   * each stage across all entries before the next; clears both arrays.
   */
  static void prefetchEntries(Object[] entries, int count, Object[] refs) {
    for (int i = 0; i < count; i++) {
      Entry<?, ?, ?> e = (Entry<?, ?, ?>) entries[i];
      entries[i] = null;
      refs[2 * i] = e == null ? null : e.key;
      refs[2 * i + 1] = e == null ? null : e.state;
    }
    Prefetch.headers(refs, 2 * count);
    Arrays.fill(refs, 0, 2 * count, null);
  }

  private Entry<K, N, S> find(K key, N namespace) {
    int hash = hash(key, namespace);
    Entry<K, N, S>[] tab = buckets;
    for (Entry<K, N, S> e = tab[hash & (tab.length - 1)]; e != null; e = e.next) {
      if (matches(e, hash, key, namespace)) {
        return e;
      }
    }
    return null;
  }

  /** Copies a shared state object (and the entry, if it is shared too) so the task owns it. */
  private S ownState(Entry<K, N, S> e) {
    Entry<K, N, S> owned = e.entryVersion < versions.firstUnshared() ? ownChainTo(e) : e;
    try {
      owned.state = copier.copy(owned.state);
    } catch (IOException ex) {
      throw new UncheckedIOException("cannot copy state that a pending snapshot shares", ex);
    }
    owned.stateVersion = versions.current();
    return owned.state;
  }

  /** Sets the state of (key, namespace). */
  void put(K key, N namespace, S state) {
    Entry<K, N, S> e = find(key, namespace);
    if (e != null) {
      Entry<K, N, S> owned = e.entryVersion < versions.firstUnshared() ? ownChainTo(e) : e;
      owned.state = state;
      owned.stateVersion = versions.current();
      return;
    }
    int hash = hash(key, namespace);
    ownBuckets();
    int index = hash & (buckets.length - 1);
    int version = versions.current();
    buckets[index] = new Entry<>(key, namespace, hash, state, buckets[index], version, version);
    if (++size > buckets.length - (buckets.length >>> 2)) {
      grow();
    }
  }

  /** Removes (key, namespace); true if it held a state. */
  boolean remove(K key, N namespace) {
    int hash = hash(key, namespace);
    Entry<K, N, S>[] tab = buckets;
    int index = hash & (tab.length - 1);
    Entry<K, N, S> previous = null;
    for (Entry<K, N, S> e = tab[index]; e != null; previous = e, e = e.next) {
      if (matches(e, hash, key, namespace)) {
        if (previous == null) {
          ownBuckets();
          buckets[index] = e.next;
        } else {
          Entry<K, N, S> owned =
              previous.entryVersion < versions.firstUnshared() ? ownChainTo(previous) : previous;
          owned.next = e.next;
        }
        size--;
        return true;
      }
    }
    return false;
  }

  /** Calls {@code consumer} for every entry of the live map; it must not add or remove entries. */
  <E extends Exception> void forEach(EntryConsumer<K, N, S, E> consumer) throws E {
    for (Entry<K, N, S> head : buckets) {
      for (Entry<K, N, S> e = head; e != null; e = e.next) {
        consumer.accept(e.key, e.namespace, e.state);
      }
    }
  }

  /**
   * The entries as they are now, for a snapshot whose version {@link
   * SnapshotVersions#startSnapshot} just started: from now on the task copies before it changes
   * anything the snapshot reaches.
   */
  Snapshot<K, N, S> snapshot() {
    return new Snapshot<>(buckets, size);
  }

  private void ownBuckets() {
    if (bucketsVersion < versions.firstUnshared()) {
      buckets = buckets.clone();
      bucketsVersion = versions.current();
    }
  }

  /**
   * Makes the chain from its bucket up to {@code target} consist of entries the task owns, copying
   * shared ones (their state stays shared until {@link #ownState}); returns the owned entry
   * standing for {@code target}.
   */
  private Entry<K, N, S> ownChainTo(Entry<K, N, S> target) {
    ownBuckets();
    int unshared = versions.firstUnshared();
    int version = versions.current();
    int index = target.hash & (buckets.length - 1);
    Entry<K, N, S> previous = null;
    Entry<K, N, S> e = buckets[index];
    while (true) {
      Entry<K, N, S> owned = e;
      if (e.entryVersion < unshared) {
        owned = new Entry<>(e.key, e.namespace, e.hash, e.state, e.next, version, e.stateVersion);
        if (previous == null) {
          buckets[index] = owned;
        } else {
          previous.next = owned;
        }
      }
      if (e == target) {
        return owned;
      }
      previous = owned;
      e = owned.next;
    }
  }

  /** Doubles the buckets; entries a snapshot shares are relinked as copies. */
  private void grow() {
    Entry<K, N, S>[] old = buckets;
    Entry<K, N, S>[] grown = newBuckets(old.length * 2);
    int unshared = versions.firstUnshared();
    int version = versions.current();
    int mask = grown.length - 1;
    for (Entry<K, N, S> head : old) {
      Entry<K, N, S> e = head;
      while (e != null) {
        Entry<K, N, S> next = e.next;
        int index = e.hash & mask;
        if (e.entryVersion < unshared) {
          grown[index] =
              new Entry<>(
                  e.key, e.namespace, e.hash, e.state, grown[index], version, e.stateVersion);
        } else {
          e.next = grown[index];
          grown[index] = e;
        }
        e = next;
      }
    }
    buckets = grown;
    bucketsVersion = version;
  }
}
