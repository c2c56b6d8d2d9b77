package dev.weir.engine.time;

import dev.weir.engine.operator.Timer;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
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

  /** A registered timer and its place in the heap. Only {@link #index} ever changes. */
  private static final class Node {
    final Timer timer;
    final long timestamp;
    final long sequence;
    int index;

    Node(Timer timer, long sequence, int index) {
      this.timer = timer;
      this.timestamp = timer.timestamp();
      this.sequence = sequence;
      this.index = index;
    }

    boolean before(Node other) {
      return timestamp < other.timestamp
          || (timestamp == other.timestamp && sequence < other.sequence);
    }
  }

  private static final Comparator<Node> FIRING_ORDER =
      Comparator.<Node>comparingLong(n -> n.timestamp).thenComparingLong(n -> n.sequence);

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
    Node node = new Node(timer, sequence++, size);
    nodes.put(timer, node);
    if (size == heap.length) {
      heap = Arrays.copyOf(heap, size * 2);
    }
    heap[size++] = node;
    siftUp(node);
    return true;
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
    if (size == 0 || heap[0].timestamp > time) {
      return null;
    }
    Node first = heap[0];
    nodes.remove(first.timer);
    removeAt(0);
    return first.timer;
  }

  /** The earliest timestamp, or {@link Long#MAX_VALUE}. */
  long earliest() {
    return size == 0 ? Long.MAX_VALUE : heap[0].timestamp;
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

    /** The captured timers in the order they would fire. Any thread, once. */
    List<Timer> inFiringOrder() {
      Arrays.sort(nodes, FIRING_ORDER);
      Timer[] timers = new Timer[nodes.length];
      for (int i = 0; i < nodes.length; i++) {
        timers[i] = nodes[i].timer;
      }
      return Arrays.asList(timers);
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
