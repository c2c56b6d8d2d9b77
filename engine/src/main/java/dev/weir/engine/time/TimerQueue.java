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
   * A registered timer, which is its own entry in the heap: its place, its registration order and,
   * for a timer registered in a slot ({@link SlotIndex}), the slot. Only {@link #index} ever
   * changes.
   */
  static final class Node extends Timer {
    final long sequence;
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
        long sequence,
        int index,
        Object slot,
        int slotHash) {
      super(timestamp, key, namespace, domain, keyGroup);
      this.sequence = sequence;
      this.index = index;
      this.slot = slot;
      this.slotHash = slotHash;
    }

    boolean before(Node other) {
      long t = timestamp();
      long o = other.timestamp();
      return t < o || (t == o && sequence < other.sequence);
    }
  }

  private static final Node[] EMPTY = new Node[0];

  private final Map<Timer, Node> nodes = new HashMap<>();
  private Node[] heap = new Node[16];
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
            sequence++,
            size,
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
    Node node =
        new Node(timestamp, key, namespace, domain, keyGroup, sequence++, size, slot, slotHash);
    push(node);
    return node;
  }

  private void push(Node node) {
    if (size == heap.length) {
      heap = Arrays.copyOf(heap, size * 2);
    }
    heap[size++] = node;
    siftUp(node);
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
    if (size == 0 || heap[0].timestamp() > time) {
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
    return size == 0 ? Long.MAX_VALUE : heap[0].timestamp();
  }

  int size() {
    return size;
  }

  /**
   * The timers registered now, captured by one array copy; {@link Captured#inFiringOrder} orders
   * them later, on any thread.
   */
  Captured capture() {
    return new Captured(size == 0 ? EMPTY : Arrays.copyOf(heap, size));
  }

  /** Timers captured by {@link #capture()}; what it reads of them never changes. */
  static final class Captured {
    private final Node[] nodes;

    private Captured(Node[] nodes) {
      this.nodes = nodes;
    }

    int size() {
      return nodes.length;
    }

    /**
     * The captured timers in the order they would fire. Any thread, once. Sorts indices by
     * timestamps and registration numbers copied into arrays (one pass over the timers, whose loads
     * overlap): a comparator over the timers themselves waited for a cache miss per comparison.
     */
    Timer[] inFiringOrder() {
      int n = nodes.length;
      long[] timestamps = new long[n];
      long[] sequences = new long[n];
      for (int i = 0; i < n; i++) {
        Node node = nodes[i];
        timestamps[i] = node.timestamp();
        sequences[i] = node.sequence;
      }
      int[] order = FiringOrder.sort(timestamps, sequences);
      Timer[] timers = new Timer[n];
      for (int i = 0; i < n; i++) {
        timers[i] = nodes[order[i]];
      }
      return timers;
    }
  }

  private void removeAt(int index) {
    Node last = heap[--size];
    heap[size] = null;
    if (index == size) {
      return;
    }
    heap[index] = last;
    last.index = index;
    siftDown(last);
    if (heap[index] == last) {
      siftUp(last);
    }
  }

  private void siftUp(Node node) {
    int i = node.index;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      Node p = heap[parent];
      if (!node.before(p)) {
        break;
      }
      heap[i] = p;
      p.index = i;
      i = parent;
    }
    heap[i] = node;
    node.index = i;
  }

  private void siftDown(Node node) {
    int i = node.index;
    int half = size >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      Node c = heap[child];
      int right = child + 1;
      if (right < size && heap[right].before(c)) {
        child = right;
        c = heap[right];
      }
      if (!c.before(node)) {
        break;
      }
      heap[i] = c;
      c.index = i;
      i = child;
    }
    heap[i] = node;
    node.index = i;
  }
}
