package dev.weir.translation.operators;

import org.apache.beam.runners.core.LateDataUtils;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.joda.time.Duration;

/**
 * When a window's state is garbage-collected ({@link LateDataUtils#garbageCollectionTime}: its end
 * plus the allowed lateness, at most the end of the global window), in milliseconds, remembered for
 * the last window asked about: consecutive elements are usually in the same window, and Beam's
 * computation allocates instants each time. Task thread only.
 */
final class WindowExpiry {

  private final Duration allowedLateness;
  private BoundedWindow lastWindow;
  private long lastMillis;

  WindowExpiry(Duration allowedLateness) {
    this.allowedLateness = allowedLateness;
  }

  long millis(BoundedWindow window) {
    if (!window.equals(lastWindow)) {
      lastMillis = LateDataUtils.garbageCollectionTime(window, allowedLateness).getMillis();
      lastWindow = window;
    }
    return lastMillis;
  }
}
