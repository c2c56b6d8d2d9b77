package dev.weir.translation.grouping;

import dev.weir.state.serialization.DataOutputView;
import dev.weir.translation.wire.KeyBytes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;

/**
 * The groups of a bounded GroupByKey in memory: per encoded key and window, the values encoded one
 * after another in one growing byte array, their count and the output timestamp so far. Holding
 * values as bytes costs a few objects per group instead of several per value (what the collector
 * traces), and says exactly how much memory the table holds. Single-threaded.
 */
final class GroupTable {

  /** Estimated bytes of a group's objects besides its values (key, group, slots, window). */
  static final int GROUP_OVERHEAD = 160;

  /** One key's values in one window. */
  static final class Group {
    final KeyBytes key;
    final int hash;
    final int keyLength;

    /** The key's first eight bytes: most keys compare without reaching their array. */
    final long keyPrefix;

    final BoundedWindow window;
    byte[] windowBytes;
    long outputMillis;
    int count;
    byte[] values = new byte[32];
    int length;

    Group(KeyBytes key, long keyPrefix, BoundedWindow window, long outputMillis) {
      this.key = key;
      this.hash = key.hashCode();
      this.keyLength = key.length();
      this.keyPrefix = keyPrefix;
      this.window = window;
      this.outputMillis = outputMillis;
    }

    boolean is(KeyBytes other, long otherPrefix, BoundedWindow otherWindow) {
      return keyPrefix == otherPrefix
          && keyLength == other.length()
          && (keyLength <= 8 || key == other || Arrays.equals(key.bytes(), other.bytes()))
          && (window == otherWindow || window.equals(otherWindow));
    }
  }

  /**
   * Open addressing, probing linearly: a lookup reads the slot arrays and the group, not a map
   * entry, a key object and its array (a hash map's cache misses were a third of a GroupByKey's
   * time).
   */
  private int[] hashes = new int[1024];

  private Group[] slots = new Group[1024];
  private long bytes;
  private int size;

  /**
   * The group of {@code key} (whose {@link KeyBytes#prefix} is given) and {@code window}, or null.
   */
  Group find(KeyBytes key, long keyPrefix, BoundedWindow window) {
    int hash = key.hashCode();
    int mask = slots.length - 1;
    for (int i = hash & mask; ; i = (i + 1) & mask) {
      Group g = slots[i];
      if (g == null) {
        return null;
      }
      if (hashes[i] == hash && g.is(key, keyPrefix, window)) {
        return g;
      }
    }
  }

  Group create(KeyBytes key, long keyPrefix, BoundedWindow window, long outputMillis) {
    if (size * 2 >= slots.length) {
      grow();
    }
    Group group = new Group(key, keyPrefix, window, outputMillis);
    place(group);
    bytes += GROUP_OVERHEAD + key.length() + group.values.length;
    size++;
    return group;
  }

  private void place(Group group) {
    int mask = slots.length - 1;
    int i = group.hash & mask;
    while (slots[i] != null) {
      i = (i + 1) & mask;
    }
    slots[i] = group;
    hashes[i] = group.hash;
  }

  private void grow() {
    Group[] old = slots;
    bytes += 8L * old.length; // the arrays double
    slots = new Group[old.length * 2];
    hashes = new int[old.length * 2];
    for (Group g : old) {
      if (g != null) {
        place(g);
      }
    }
  }

  /** Appends an encoded value to {@code group}; returns the bytes the table grew by. */
  long append(Group group, DataOutputView encoded) {
    int n = encoded.length();
    long grown = 0;
    if (group.length + n > group.values.length) {
      int capacity = Math.max(group.length + n, group.values.length * 2);
      grown = capacity - group.values.length;
      group.values = Arrays.copyOf(group.values, capacity);
      bytes += grown;
    }
    System.arraycopy(encoded.array(), 0, group.values, group.length, n);
    group.length += n;
    group.count++;
    return grown;
  }

  /** Estimated heap bytes the table holds. */
  long bytes() {
    return bytes;
  }

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** What is done with each group; may throw. */
  interface GroupAction {
    void accept(Group group) throws Exception;
  }

  void forEach(GroupAction action) throws Exception {
    for (Group g : slots) {
      if (g != null) {
        action.accept(g);
      }
    }
  }

  /**
   * The groups ordered by encoded key, then encoded window ({@code windowEncoder} fills in each
   * group's window bytes), as a run on disk must be.
   */
  List<Group> sorted(WindowEncoder windowEncoder) throws IOException {
    List<Group> all = new ArrayList<>(size);
    for (Group g : slots) {
      if (g != null) {
        g.windowBytes = windowEncoder.encode(g.window);
        all.add(g);
      }
    }
    all.sort(
        (a, b) -> {
          int c = KeyBytes.compareUnsigned(a.key, b.key);
          return c != 0 ? c : Arrays.compareUnsigned(a.windowBytes, b.windowBytes);
        });
    return all;
  }

  void clear() {
    hashes = new int[1024];
    slots = new Group[1024];
    bytes = 0;
    size = 0;
  }

  /** Encodes windows (cached: a bounded input's windows repeat). */
  interface WindowEncoder {
    byte[] encode(BoundedWindow window) throws IOException;
  }
}
