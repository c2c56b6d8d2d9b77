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
 * <p>The order lives in a 4-ary heap in arrays, not in a tree, so that a snapshot's synchronous
 * part copies arrays (block copies) instead of walking a node per timer: the task stops for
 * microseconds, not milliseconds, with hundreds of thousands of timers. Four children per node
 * halve a binary heap's depth, and their timestamps and registration numbers sit side by side in
 * one cache line: with a million timers each level below the cached top was a cache miss per array
 * and per node. Single-threaded, except that a {@link Captured} set may be read on any thread.
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

  /** Children per heap position. */
  private static final int ARITY = 4;

  /*
   * The heap: the nodes, and beside them their timestamps and registration numbers, position i's at
   * order[2i] and order[2i + 1]. Sifting compares in this array instead of loading a node per
   * comparison (a cache miss each with hundreds of thousands of timers).
   */
  private Node[] heap = new Node[16];
  private long[] order = new long[32];
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
      order = Arrays.copyOf(order, size * 4);
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
    if (size == 0 || order[0] > time) {
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
    return size == 0 ? Long.MAX_VALUE : order[0];
  }

  int size() {
    return size;
  }

  /**
   * The timers registered now, captured by one array copy; {@link Captured#inFiringOrder} orders
   * them later, on any thread.
   */
  Captured capture() {
    return new Captured(Arrays.copyOf(heap, size), Arrays.copyOf(order, 2 * size));
  }

  /** Timers captured by {@link #capture()}; what it reads of them never changes. */
  static final class Captured {
    private final Node[] nodes;

    /** Timestamp and registration number of nodes[i] at 2i and 2i + 1. */
    private final long[] order;

    private Captured(Node[] nodes, long[] order) {
      this.nodes = nodes;
      this.order = order;
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
      long[] timestamps = new long[n];
      long[] sequences = new long[n];
      for (int i = 0; i < n; i++) {
        timestamps[i] = order[2 * i];
        sequences[i] = order[2 * i + 1];
      }
      int[] firing = FiringOrder.sort(timestamps, sequences);
      Timer[] timers = new Timer[n];
      for (int i = 0; i < n; i++) {
        timers[i] = nodes[firing[i]];
      }
      return timers;
    }
  }

  private void removeAt(int index) {
    int lastIndex = --size;
    Node last = heap[lastIndex];
    long lastTime = order[2 * lastIndex];
    long lastSequence = order[2 * lastIndex + 1];
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
    order[2 * to] = order[2 * from];
    order[2 * to + 1] = order[2 * from + 1];
    n.index = to;
  }

  private void place(Node node, long time, long sequence, int at) {
    heap[at] = node;
    order[2 * at] = time;
    order[2 * at + 1] = sequence;
    node.index = at;
  }

  /** Places {@code node} at the free position {@code i} or above it. */
  private void siftUp(Node node, long time, long sequence, int i) {
    while (i > 0) {
      int parent = (i - 1) / ARITY;
      if (!before(time, sequence, order[2 * parent], order[2 * parent + 1])) {
        break;
      }
      move(parent, i);
      i = parent;
    }
    place(node, time, sequence, i);
  }

  /** Places {@code node} at the free position {@code i} or below it; returns where. */
  private int siftDown(Node node, long time, long sequence, int i) {
    long[] o = order;
    while (true) {
      int first = ARITY * i + 1;
      if (first >= size || first < 0) { // < 0: past Integer.MAX_VALUE, no such child
        break;
      }
      int end = Math.min(first + ARITY, size);
      int child = first;
      long childTime = o[2 * first];
      long childSequence = o[2 * first + 1];
      for (int c = first + 1; c < end; c++) {
        long t = o[2 * c];
        long q = o[2 * c + 1];
        if (before(t, q, childTime, childSequence)) {
          child = c;
          childTime = t;
          childSequence = q;
        }
      }
      if (!before(childTime, childSequence, time, sequence)) {
        break;
      }
      move(child, i);
      i = child;
    }
    place(node, time, sequence, i);
    return i;
  }
}
