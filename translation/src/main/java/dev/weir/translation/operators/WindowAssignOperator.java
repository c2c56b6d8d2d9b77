package dev.weir.translation.operators;

import dev.weir.engine.operator.AbstractOperator;
import java.util.Collection;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.WindowFn;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;
import org.joda.time.Instant;

/**
 * Window.Assign: gives every element the windows its WindowFn assigns, keeping value, timestamp and
 * pane.
 */
public final class WindowAssignOperator<T, W extends BoundedWindow>
    extends AbstractOperator<WindowedValue<T>, WindowedValue<T>> {

  private final WindowFn<T, W> windowFn;

  public WindowAssignOperator(WindowFn<T, W> windowFn) {
    this.windowFn = windowFn;
  }

  @Override
  public void processElement(WindowedValue<T> element) throws Exception {
    for (WindowedValue<T> single : element.explodeWindows()) {
      BoundedWindow window = single.getWindows().iterator().next();
      Collection<W> windows =
          windowFn.assignWindows(
              windowFn.new AssignContext() {
                @Override
                public T element() {
                  return single.getValue();
                }

                @Override
                public Instant timestamp() {
                  return single.getTimestamp();
                }

                @Override
                public BoundedWindow window() {
                  return window;
                }
              });
      output.emit(
          WindowedValues.of(
              single.getValue(), single.getTimestamp(), windows, single.getPaneInfo()));
    }
  }
}
