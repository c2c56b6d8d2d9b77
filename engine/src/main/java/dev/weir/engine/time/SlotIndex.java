package dev.weir.engine.time;

import java.util.Objects;

/**
 * The timers of an operator that keeps one timer per key and slot ({@link
 * dev.weir.engine.operator.TimerService#setTimerSlots}), found by (key, slot): an open-addressing
 * table of the queues' own nodes, so a slotted timer costs its timer, its heap node and one table
 * reference (a map entry and a key object per timer were a large part of a job's heap with a timer
 * per key). Single-threaded.
 *
 * <p>Each node's hash sits beside it in an int array: probing and the backward shift of a removal
 * compare hashes there, instead of loading every node they pass (a cache miss each with a million
 * timers).
 */
final class SlotIndex {

  private TimerQueue.Node[] table = new TimerQueue.Node[16];
  private int[] hashes = new int[16];
  private int size;

  static int hash(Object key, Object slot) {
    int h = key.hashCode() * 31 + slot.hashCode();
    h *= 0x9E3779B9;
    return h ^ (h >>> 16);
  }

  /** The node of (key, slot), whose {@link #hash} is {@code hash}, or null. */
  TimerQueue.Node get(Object key, Object slot, int hash) {
    int mask = table.length - 1;
    for (int i = hash & mask; ; i = (i + 1) & mask) {
      TimerQueue.Node n = table[i];
      if (n == null) {
        return null;
      }
      if (hashes[i] == hash
          && (n.slot == slot || n.slot.equals(slot))
          && Objects.equals(n.key(), key)) {
        return n;
      }
    }
  }

  /** Adds a node whose (key, slot) is not in the index. */
  void put(TimerQueue.Node node) {
    if ((size + 1) * 2 > table.length) {
      grow();
    }
    place(table, hashes, node, node.slotHash);
    size++;
  }

  private static void place(TimerQueue.Node[] table, int[] hashes, TimerQueue.Node node, int hash) {
    int mask = table.length - 1;
    int i = hash & mask;
    while (table[i] != null) {
      i = (i + 1) & mask;
    }
    table[i] = node;
    hashes[i] = hash;
  }

  private void grow() {
    TimerQueue.Node[] grown = new TimerQueue.Node[table.length * 2];
    int[] grownHashes = new int[grown.length];
    for (int i = 0; i < table.length; i++) {
      if (table[i] != null) {
        place(grown, grownHashes, table[i], hashes[i]);
      }
    }
    table = grown;
    hashes = grownHashes;
  }

  /** Removes {@code node} if it is in the index (by identity). */
  void remove(TimerQueue.Node node) {
    int mask = table.length - 1;
    int i = node.slotHash & mask;
    while (table[i] != node) {
      if (table[i] == null) {
        return;
      }
      i = (i + 1) & mask;
    }
    // Backward-shift deletion: later nodes of the probe run move up, so lookups need no markers.
    int gap = i;
    for (int j = (i + 1) & mask; table[j] != null; j = (j + 1) & mask) {
      int home = hashes[j] & mask;
      // Move j into the gap unless its home lies cyclically in (gap, j].
      boolean homeInRange = gap <= j ? (gap < home && home <= j) : (gap < home || home <= j);
      if (!homeInRange) {
        table[gap] = table[j];
        hashes[gap] = hashes[j];
        gap = j;
      }
    }
    table[gap] = null;
    size--;
  }

  int size() {
    return size;
  }
}
