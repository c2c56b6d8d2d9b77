package dev.weir.translation.operators;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.beam.runners.core.InMemoryStateInternals;
import org.apache.beam.runners.core.ReadyCheckingSideInputReader;
import org.apache.beam.runners.core.SideInputHandler;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.IterableCoder;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;

/**
 * The side inputs of one operator instance. Each side input arrives on its own input as whole panes
 * (the view's elements per window, concatenated upstream), and each new pane replaces the previous
 * one. A window of a side input is ready once a pane for it arrived, or once the side input's
 * watermark passed the window's end (then the view is empty).
 */
final class SideInputs implements ReadyCheckingSideInputReader {

  private final Map<Integer, PCollectionView<?>> viewsByInput;
  private final SideInputHandler handler;
  private final Map<PCollectionView<?>, Long> watermarks = new HashMap<>();

  /**
   * The latest pane per input and window: what a snapshot stores (each new pane replaces the
   * previous).
   */
  private final Map<Integer, Map<BoundedWindow, WindowedValue<?>>> panes = new TreeMap<>();

  SideInputs(Map<Integer, PCollectionView<?>> viewsByInput) {
    this.viewsByInput = viewsByInput;
    this.handler = new SideInputHandler(viewsByInput.values(), InMemoryStateInternals.forKey(null));
    for (PCollectionView<?> view : viewsByInput.values()) {
      watermarks.put(view, Long.MIN_VALUE);
    }
  }

  boolean isSideInput(int input) {
    return viewsByInput.containsKey(input);
  }

  @SuppressWarnings("unchecked")
  void addPane(int input, WindowedValue<?> pane) {
    handler.addSideInputValue(viewsByInput.get(input), (WindowedValue<Iterable<?>>) pane);
    Map<BoundedWindow, WindowedValue<?>> byWindow =
        panes.computeIfAbsent(input, i -> new HashMap<>());
    for (BoundedWindow w : pane.getWindows()) {
      byWindow.put(w, pane);
    }
  }

  void advanceWatermark(int input, long watermark) {
    watermarks.merge(viewsByInput.get(input), watermark, Math::max);
  }

  /** Writes the latest panes and the side-input watermarks, each pane with its view's coders. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  void snapshot(DataOutputStream out) throws IOException {
    out.writeInt(viewsByInput.size());
    for (Map.Entry<Integer, PCollectionView<?>> e : viewsByInput.entrySet()) {
      out.writeInt(e.getKey());
      out.writeLong(watermarks.getOrDefault(e.getValue(), Long.MIN_VALUE));
      Set<WindowedValue<?>> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
      distinct.addAll(panes.getOrDefault(e.getKey(), Map.of()).values());
      Coder coder = paneCoder(e.getValue());
      out.writeInt(distinct.size());
      for (WindowedValue<?> pane : distinct) {
        byte[] bytes = CoderUtils.encodeToByteArray(coder, pane);
        out.writeInt(bytes.length);
        out.write(bytes);
      }
    }
  }

  /** Replays stored panes and watermarks (before any element is processed). */
  @SuppressWarnings({"unchecked", "rawtypes"})
  void restore(DataInputStream in) throws IOException {
    int views = in.readInt();
    for (int v = 0; v < views; v++) {
      int input = in.readInt();
      long watermark = in.readLong();
      PCollectionView<?> view = viewsByInput.get(input);
      if (view == null) {
        throw new IOException(
            "the snapshot has side input " + input + ", which this step no longer has");
      }
      Coder coder = paneCoder(view);
      int count = in.readInt();
      for (int i = 0; i < count; i++) {
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        addPane(input, (WindowedValue<?>) CoderUtils.decodeFromByteArray(coder, bytes));
      }
      advanceWatermark(input, watermark);
    }
  }

  /**
   * The coder of a pane of {@code view}. The element coder comes from the view itself: its
   * PCollection is transient, and gone in a job graph shipped to a cluster.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Coder<?> paneCoder(PCollectionView<?> view) {
    Coder element = view.getCoderInternal();
    return WindowedValues.getFullCoder(
        IterableCoder.of(element), view.getWindowingStrategyInternal().getWindowFn().windowCoder());
  }

  @Override
  public boolean isReady(PCollectionView<?> view, BoundedWindow window) {
    return handler.isReady(view, window)
        || watermarks.getOrDefault(view, Long.MIN_VALUE) > window.maxTimestamp().getMillis();
  }

  @Override
  public <T> T get(PCollectionView<T> view, BoundedWindow window) {
    return handler.get(view, window);
  }

  @Override
  public <T> boolean contains(PCollectionView<T> view) {
    return handler.contains(view);
  }

  @Override
  public boolean isEmpty() {
    return viewsByInput.isEmpty();
  }
}
