package dev.weir.state;

import java.io.Serializable;

/**
 * A contiguous, inclusive range of key groups, the unit in which keyed state is owned by a subtask,
 * snapshotted and redistributed when parallelism changes. An empty range has {@code end == start -
 * 1}.
 */
public final class KeyGroupRange implements Serializable {

  private static final long serialVersionUID = 1L;

  private final int start;
  private final int end;

  public KeyGroupRange(int start, int end) {
    if (start < 0 || end < start - 1) {
      throw new IllegalArgumentException("invalid key group range [" + start + ", " + end + "]");
    }
    this.start = start;
    this.end = end;
  }

  public static KeyGroupRange of(int start, int end) {
    return new KeyGroupRange(start, end);
  }

  public int start() {
    return start;
  }

  public int end() {
    return end;
  }

  public int size() {
    return end - start + 1;
  }

  public boolean contains(int keyGroup) {
    return keyGroup >= start && keyGroup <= end;
  }

  public KeyGroupRange intersect(KeyGroupRange other) {
    int s = Math.max(start, other.start);
    int e = Math.min(end, other.end);
    return s <= e ? new KeyGroupRange(s, e) : new KeyGroupRange(s, s - 1);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyGroupRange r && r.start == start && r.end == end;
  }

  @Override
  public int hashCode() {
    return 31 * start + end;
  }

  @Override
  public String toString() {
    return "KeyGroupRange[" + start + ", " + end + "]";
  }
}
