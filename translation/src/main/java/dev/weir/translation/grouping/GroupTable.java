package dev.weir.translation.grouping;

import dev.weir.state.serialization.DataOutputView;
import dev.weir.translation.wire.KeyBytes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.function.Consumer;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;

/**
 * The groups of a bounded GroupByKey in memory: per encoded key and window, the values encoded one
 * after another in one growing byte array, their count and the output timestamp so far. Holding
 * values as bytes costs a few objects per group instead of several per value (what the collector
 * traces), and says exactly how much memory the table holds. Single-threaded.
 */
final class GroupTable {

  /** Estimated bytes of a group's objects besides its values (map entry, key, group, window). */
  static final int GROUP_OVERHEAD = 160;

  /** One key's values in one window; the key's groups of other windows are chained. */
  static final class Group {
    final KeyBytes key;
    final BoundedWindow window;
    byte[] windowBytes;
    long outputMillis;
    int count;
    byte[] values = new byte[32];
    int length;
    Group nextWindow;

    Group(KeyBytes key, BoundedWindow window, long outputMillis) {
      this.key = key;
      this.window = window;
      this.outputMillis = outputMillis;
    }
  }

  private final HashMap<KeyBytes, Group> groups = new HashMap<>();
  private long bytes;
  private int size;

  /** The group of {@code key} and {@code window}, or null. */
  Group find(KeyBytes key, BoundedWindow window) {
    for (Group g = groups.get(key); g != null; g = g.nextWindow) {
      if (g.window.equals(window)) {
        return g;
      }
    }
    return null;
  }

  Group create(KeyBytes key, BoundedWindow window, long outputMillis) {
    Group group = new Group(key, window, outputMillis);
    group.nextWindow = groups.put(key, group);
    bytes += GROUP_OVERHEAD + key.bytes().length + group.values.length;
    size++;
    return group;
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

  void forEach(Consumer<Group> action) {
    for (Group head : groups.values()) {
      for (Group g = head; g != null; g = g.nextWindow) {
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
    Collection<Group> heads = groups.values();
    for (Group head : heads) {
      for (Group g = head; g != null; g = g.nextWindow) {
        g.windowBytes = windowEncoder.encode(g.window);
        all.add(g);
      }
    }
    all.sort(
        (a, b) -> {
          int c = Arrays.compareUnsigned(a.key.bytes(), b.key.bytes());
          return c != 0 ? c : Arrays.compareUnsigned(a.windowBytes, b.windowBytes);
        });
    return all;
  }

  void clear() {
    groups.clear();
    bytes = 0;
    size = 0;
  }

  /** Encodes windows (cached: a bounded input's windows repeat). */
  interface WindowEncoder {
    byte[] encode(BoundedWindow window) throws IOException;
  }
}
