package dev.weir.translation.operators;

import java.util.HashMap;
import java.util.Map;
import org.apache.beam.runners.core.InMemoryStateInternals;
import org.apache.beam.runners.core.ReadyCheckingSideInputReader;
import org.apache.beam.runners.core.SideInputHandler;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.WindowedValue;

/**
 * The side inputs of one operator instance. Each side input arrives on its own input as whole
 * panes (the view's elements per window, concatenated upstream), and each new pane replaces the
 * previous one. A window of a side input is ready once a pane for it arrived, or once the side
 * input's watermark passed the window's end (then the view is empty).
 */
final class SideInputs implements ReadyCheckingSideInputReader {

  private final Map<Integer, PCollectionView<?>> viewsByInput;
  private final SideInputHandler handler;
  private final Map<PCollectionView<?>, Long> watermarks = new HashMap<>();

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
  }

  void advanceWatermark(int input, long watermark) {
    watermarks.merge(viewsByInput.get(input), watermark, Math::max);
  }

  @Override
  public boolean isReady(PCollectionView<?> view, BoundedWindow window) {
    return handler.isReady(view, window) || watermarks.getOrDefault(view, Long.MIN_VALUE) > window.maxTimestamp().getMillis();
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
