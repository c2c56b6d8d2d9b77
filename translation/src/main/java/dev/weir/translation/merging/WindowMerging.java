package dev.weir.translation.merging;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.Sessions;
import org.apache.beam.sdk.transforms.windowing.WindowFn;

/**
 * How a new window merges into a key's {@link MergedWindows}. Sessions merge windows that overlap:
 * their entries stay sorted by start and a new window finds its neighbours by binary search, so an
 * element costs the same with one live session per key or thousands (Beam's MergingActiveWindowSet
 * sorts them all per element). Any other merging WindowFn is asked through its own {@code
 * mergeWindows}, over the key's live windows and the new one. Not thread-safe: one per operator.
 */
abstract class WindowMerging {

  /** What a new window merges with; filled by {@link #find}, reused. */
  static final class Merge {
    /** Ascending indices of the entries the new window merges with. */
    int[] entries = new int[4];

    int count;

    /** The merged window: the new window itself when it merges with nothing. */
    BoundedWindow result;

    /** Where the result goes in the entries once those merged are removed. */
    int position;

    void add(int entry) {
      if (count == entries.length) {
        entries = java.util.Arrays.copyOf(entries, count * 2);
      }
      entries[count++] = entry;
    }
  }

  static WindowMerging of(WindowFn<?, ?> windowFn) {
    // Exactly Sessions: a subclass may merge differently.
    return windowFn.getClass() == Sessions.class
        ? new OverlappingIntervals()
        : new ByWindowFn(windowFn);
  }

  /** Fills {@code merge} with what {@code window} merges with among {@code windows}. */
  abstract void find(MergedWindows windows, BoundedWindow window, Merge merge) throws Exception;

  /** The index of the entry whose state window is {@code stateWindow}, or -1 when there is none. */
  abstract int indexOfStateWindow(MergedWindows windows, BoundedWindow stateWindow);

  /**
   * Sessions: interval windows merge when they overlap (Beam's MergeOverlappingIntervalWindows).
   */
  static final class OverlappingIntervals extends WindowMerging {

    @Override
    void find(MergedWindows windows, BoundedWindow window, Merge merge) {
      IntervalWindow w = (IntervalWindow) window;
      long start = w.start().getMillis();
      long end = w.end().getMillis();
      // Live windows never overlap, so sorted by start they are sorted by end too; the first
      // ending after the new one starts is the first that may overlap it.
      int first = firstEndingAfter(windows, start);
      merge.count = 0;
      merge.position = first;
      int i = first;
      while (i < windows.size() && start(windows, i) < end) {
        merge.add(i++);
      }
      if (merge.count == 0) {
        merge.result = window;
        return;
      }
      IntervalWindow low = (IntervalWindow) windows.window(first);
      IntervalWindow high = (IntervalWindow) windows.window(i - 1);
      long mergedStart = Math.min(start, low.start().getMillis());
      long mergedEnd = Math.max(end, high.end().getMillis());
      if (merge.count == 1
          && mergedStart == low.start().getMillis()
          && mergedEnd == low.end().getMillis()) {
        merge.result = low; // within a live window: nothing new to make
      } else {
        merge.result =
            new IntervalWindow(
                new org.joda.time.Instant(mergedStart), new org.joda.time.Instant(mergedEnd));
      }
    }

    @Override
    int indexOfStateWindow(MergedWindows windows, BoundedWindow stateWindow) {
      // A state window lies within the window it was merged into.
      int i = firstEndingAfter(windows, ((IntervalWindow) stateWindow).start().getMillis());
      return i < windows.size() && windows.stateWindow(i).equals(stateWindow) ? i : -1;
    }

    private static long start(MergedWindows windows, int i) {
      return ((IntervalWindow) windows.window(i)).start().getMillis();
    }

    private static int firstEndingAfter(MergedWindows windows, long time) {
      int low = 0;
      int high = windows.size();
      while (low < high) {
        int mid = (low + high) >>> 1;
        if (((IntervalWindow) windows.window(mid)).end().getMillis() > time) {
          high = mid;
        } else {
          low = mid + 1;
        }
      }
      return low;
    }
  }

  /**
   * Any merging WindowFn: its {@code mergeWindows} over the key's live windows and the new one; the
   * merge that takes the new window in applies. Costs time in the number of live windows.
   */
  static final class ByWindowFn extends WindowMerging {
    private final WindowFn<Object, BoundedWindow> windowFn;

    @SuppressWarnings("unchecked")
    ByWindowFn(WindowFn<?, ?> windowFn) {
      this.windowFn = (WindowFn<Object, BoundedWindow>) windowFn;
    }

    @Override
    void find(MergedWindows windows, BoundedWindow window, Merge merge) throws Exception {
      List<BoundedWindow> all = new ArrayList<>(windows.size() + 1);
      for (int i = 0; i < windows.size(); i++) {
        all.add(windows.window(i));
      }
      all.add(window);
      merge.count = 0;
      merge.result = window;
      windowFn.mergeWindows(
          windowFn.new MergeContext() {
            @Override
            public Collection<BoundedWindow> windows() {
              return all;
            }

            @Override
            public void merge(Collection<BoundedWindow> toBeMerged, BoundedWindow mergeResult) {
              if (merge.count > 0 || !toBeMerged.contains(window)) {
                return; // only the merge that takes the new window in applies
              }
              for (int i = 0; i < windows.size(); i++) {
                if (toBeMerged.contains(windows.window(i))) {
                  merge.add(i);
                }
              }
              merge.result = mergeResult;
            }
          });
      if (merge.count == 0) {
        // Merged with nothing, or the same as a live window (which no WindowFn reports).
        for (int i = 0; i < windows.size(); i++) {
          if (windows.window(i).equals(window)) {
            merge.add(i);
            merge.result = windows.window(i);
            break;
          }
        }
      }
      merge.position = windows.size() - merge.count;
    }

    @Override
    int indexOfStateWindow(MergedWindows windows, BoundedWindow stateWindow) {
      for (int i = 0; i < windows.size(); i++) {
        if (windows.stateWindow(i).equals(stateWindow)) {
          return i;
        }
      }
      return -1;
    }
  }
}
