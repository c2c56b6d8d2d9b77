package dev.weir.translation.operators;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;

/**
 * For an operator that fires each key's window once, when the watermark passes the window's end:
 * per window with results still owed, the earliest of their output timestamps, so the operator
 * holds its output watermark there and no result comes out late. In memory; an operator rebuilds it
 * from its keyed state after a restore. Single-threaded.
 */
public final class OwedWindows {

  private final Map<BoundedWindow, Long> holds = new HashMap<>();

  /** A result in {@code window} will be emitted with timestamp {@code outputMillis}. */
  public void owe(BoundedWindow window, long outputMillis) {
    holds.merge(window, outputMillis, Math::min);
  }

  /**
   * The input watermark reached {@code watermark} and the timers up to it have fired: windows that
   * ended before it owe nothing more. Returns the output watermark: {@code watermark} held at the
   * earliest timestamp still owed.
   */
  public long advance(long watermark) {
    long out = watermark;
    Iterator<Map.Entry<BoundedWindow, Long>> it = holds.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<BoundedWindow, Long> e = it.next();
      if (e.getKey().maxTimestamp().getMillis() < watermark) {
        it.remove();
      } else {
        out = Math.min(out, e.getValue());
      }
    }
    return out;
  }
}
