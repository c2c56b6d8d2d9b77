package dev.weir.engine.time;

import dev.weir.engine.operator.TimeDomain;
import dev.weir.engine.operator.Timer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The timers of one time domain: a set (equal timers are registered once) ordered by timestamp,
 * then by registration. Registration, deletion and taking the earliest are O(log n); a deleted
 * timer leaves nothing behind.
 *
 * <p>The order lives in a binary heap in one array, not in a tree, so that a snapshot's synchronous
 * part copies one array of references (a block copy) instead of walking a node per timer: the task
 * stops for microseconds, not milliseconds, with hundreds of thousands of timers. Single-threaded,
 * except that a {@link Captured} set may be read on any thread.
 */
final class TimerQueue {

  /**
   * A registered timer, which is its own entry in the heap: its place and, for a timer registered
   * in a slot ({@link SlotIndex}), the slot. Only {@link #index} ever changes.
   */
  static final class Node extends Timer {
    int index;

    /** The slot, or null for a timer identified by key, namespace and time. */
    final Object slot;

    /** Hash of (key, slot) for the slot index. */
    final int slotHash;

    Node(
        long timestamp,
        Object key,
        Object namespace,
        TimeDomain domain,
        int keyGroup,
        Object slot,
        int slotHash) {
      super(timestamp, key, namespace, domain, keyGroup);
      this.slot = slot;
      this.slotHash = slotHash;
    }
  }

  private final Map<Timer, Node> nodes = new HashMap<>();

  /*
   * The heap: the nodes, and beside them, at the same positions, their timestamps and registration
   * numbers. Sifting compares in these arrays instead of loading a node per comparison (a cache
   * miss each with hundreds of thousands of timers).
   */
  private Node[] heap = new Node[16];
  private long[] times = new long[16];
  private long[] sequences = new long[16];
  private int size;
  private long sequence;

  /** Adds the timer; false if an equal one is already registered. */
  boolean add(Timer timer) {
    if (nodes.containsKey(timer)) {
      return false; // checked first: re-setting a timer (per element, say) allocates nothing
    }
    Node node =
        new Node(
            timer.timestamp(),
            timer.key(),
            timer.namespace(),
            timer.domain(),
            timer.keyGroup(),
            null,
            0);
    nodes.put(node, node);
    push(node);
    return true;
  }

  /**
   * Adds a timer of a slot: not kept in the set of timers (the slot index keeps timers apart), so
   * it costs a heap node and nothing more.
   */
  Node addInSlot(
      long timestamp,
      Object key,
      Object namespace,
      TimeDomain domain,
      int keyGroup,
      Object slot,
      int slotHash) {
    Node node = new Node(timestamp, key, namespace, domain, keyGroup, slot, slotHash);
    push(node);
    return node;
  }

  private void push(Node node) {
    if (size == heap.length) {
      heap = Arrays.copyOf(heap, size * 2);
      times = Arrays.copyOf(times, size * 2);
      sequences = Arrays.copyOf(sequences, size * 2);
    }
    siftUp(node, node.timestamp(), sequence++, size++);
  }

  /** Removes a node {@link #addInSlot} returned, if it is still queued. */
  void removeInSlot(Node node) {
    if (node.index < size && heap[node.index] == node) {
      removeAt(node.index);
    }
  }

  void remove(Timer timer) {
    Node node = nodes.remove(timer);
    if (node != null) {
      removeAt(node.index);
    }
  }

  /**
   * The earliest timer if its timestamp is at most {@code time}, removed; otherwise {@code null}.
   */
  Timer pollUpTo(long time) {
    Node first = pollNodeUpTo(time);
    return first;
  }

  /**
   * As {@link #pollUpTo}, returning the node (a slot's timer leaves its slot index to the caller).
   */
  Node pollNodeUpTo(long time) {
    if (size == 0 || times[0] > time) {
      return null;
    }
    Node first = heap[0];
    if (first.slot == null) {
      nodes.remove(first);
    }
    removeAt(0);
    return first;
  }

  /** Visits every queued timer, in no particular order. */
  void forEach(java.util.function.Consumer<Timer> visitor) {
    for (int i = 0; i < size; i++) {
      visitor.accept(heap[i]);
    }
  }

  /** The earliest timestamp, or {@link Long#MAX_VALUE}. */
  long earliest() {
    return size == 0 ? Long.MAX_VALUE : times[0];
  }

  int size() {
    return size;
  }

  /**
   * The timers registered now, captured by one array copy; {@link Captured#inFiringOrder} orders
   * them later, on any thread.
   */
  Captured capture() {
    return new Captured(
        Arrays.copyOf(heap, size), Arrays.copyOf(times, size), Arrays.copyOf(sequences, size));
  }

  /** Timers captured by {@link #capture()}; what it reads of them never changes. */
  static final class Captured {
    private final Node[] nodes;
    private final long[] timestamps;
    private final long[] sequences;

    private Captured(Node[] nodes, long[] timestamps, long[] sequences) {
      this.nodes = nodes;
      this.timestamps = timestamps;
      this.sequences = sequences;
    }

    int size() {
      return nodes.length;
    }

    /**
     * The captured timers in the order they would fire. Any thread, once. Sorts by the heap's
     * arrays of timestamps and registration numbers: a comparator over the timers themselves waited
     * for a cache miss per comparison.
     */
    Timer[] inFiringOrder() {
      int n = nodes.length;
      int[] order = FiringOrder.sort(timestamps, sequences);
      Timer[] timers = new Timer[n];
      for (int i = 0; i < n; i++) {
        timers[i] = nodes[order[i]];
      }
      return timers;
    }
  }

  private void removeAt(int index) {
    int lastIndex = --size;
    Node last = heap[lastIndex];
    long lastTime = times[lastIndex];
    long lastSequence = sequences[lastIndex];
    heap[lastIndex] = null;
    if (index == lastIndex) {
      return;
    }
    if (siftDown(last, lastTime, lastSequence, index) == index) {
      siftUp(last, lastTime, lastSequence, index);
    }
  }

  private static boolean before(long time, long sequence, long otherTime, long otherSequence) {
    return time < otherTime || (time == otherTime && sequence < otherSequence);
  }

  /** Moves the node at {@code from} to the free position {@code to}. */
  private void move(int from, int to) {
    Node n = heap[from];
    heap[to] = n;
    times[to] = times[from];
    sequences[to] = sequences[from];
    n.index = to;
  }

  private void place(Node node, long time, long sequence, int at) {
    heap[at] = node;
    times[at] = time;
    sequences[at] = sequence;
    node.index = at;
  }

  /** Places {@code node} at the free position {@code i} or above it. */
  private void siftUp(Node node, long time, long sequence, int i) {
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (!before(time, sequence, times[parent], sequences[parent])) {
        break;
      }
      move(parent, i);
      i = parent;
    }
    place(node, time, sequence, i);
  }

  /** Places {@code node} at the free position {@code i} or below it; returns where. */
  private int siftDown(Node node, long time, long sequence, int i) {
    int half = size >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      int right = child + 1;
      if (right < size && before(times[right], sequences[right], times[child], sequences[child])) {
        child = right;
      }
      if (!before(times[child], sequences[child], time, sequence)) {
        break;
      }
      move(child, i);
      i = child;
    }
    place(node, time, sequence, i);
    return i;
  }
}
