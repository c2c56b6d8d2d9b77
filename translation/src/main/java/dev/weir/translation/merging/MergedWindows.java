package dev.weir.translation.merging;

import java.util.Arrays;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;

/**
 * One key's windows that have not fired yet, after merging: per window the window its contents are
 * stored under (its <i>state window</i>, one of the windows it was merged from, so that growing a
 * window never moves its contents) and its output timestamp so far (the watermark hold). Kept in
 * keyed state; {@link WindowMerging} decides the order of the entries. Single-threaded.
 */
public final class MergedWindows {

  private BoundedWindow[] windows;
  private BoundedWindow[] stateWindows;
  private long[] holds;
  private int size;

  public MergedWindows() {
    this(2);
  }

  MergedWindows(int capacity) {
    windows = new BoundedWindow[capacity];
    stateWindows = new BoundedWindow[capacity];
    holds = new long[capacity];
  }

  public int size() {
    return size;
  }

  public BoundedWindow window(int index) {
    return windows[index];
  }

  public BoundedWindow stateWindow(int index) {
    return stateWindows[index];
  }

  public long hold(int index) {
    return holds[index];
  }

  /** Inserts an entry at {@code index}, moving those from there on one place up. */
  public void insert(int index, BoundedWindow window, BoundedWindow stateWindow, long hold) {
    if (size == windows.length) {
      int capacity = Math.max(4, size * 2);
      windows = Arrays.copyOf(windows, capacity);
      stateWindows = Arrays.copyOf(stateWindows, capacity);
      holds = Arrays.copyOf(holds, capacity);
    }
    int moved = size - index;
    if (moved > 0) {
      System.arraycopy(windows, index, windows, index + 1, moved);
      System.arraycopy(stateWindows, index, stateWindows, index + 1, moved);
      System.arraycopy(holds, index, holds, index + 1, moved);
    }
    windows[index] = window;
    stateWindows[index] = stateWindow;
    holds[index] = hold;
    size++;
  }

  /** Changes the entry at {@code index} in place. */
  public void set(int index, BoundedWindow window, BoundedWindow stateWindow, long hold) {
    windows[index] = window;
    stateWindows[index] = stateWindow;
    holds[index] = hold;
  }

  /** Removes the entry at {@code index}, moving those after it one place down. */
  public void remove(int index) {
    int moved = size - index - 1;
    if (moved > 0) {
      System.arraycopy(windows, index + 1, windows, index, moved);
      System.arraycopy(stateWindows, index + 1, stateWindows, index, moved);
      System.arraycopy(holds, index + 1, holds, index, moved);
    }
    size--;
    windows[size] = null;
    stateWindows[size] = null;
  }

  /** A copy sharing the windows (which never change). */
  MergedWindows copy() {
    MergedWindows copy = new MergedWindows(Math.max(2, size));
    System.arraycopy(windows, 0, copy.windows, 0, size);
    System.arraycopy(stateWindows, 0, copy.stateWindows, 0, size);
    System.arraycopy(holds, 0, copy.holds, 0, size);
    copy.size = size;
    return copy;
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("[");
    for (int i = 0; i < size; i++) {
      s.append(i == 0 ? "" : ", ")
          .append(windows[i])
          .append(" in ")
          .append(stateWindows[i])
          .append(" @")
          .append(holds[i]);
    }
    return s.append(']').toString();
  }
}
