package dev.weir.engine.time;

import java.util.Arrays;

/**
 * Combines the watermarks of a task's input channels into the task's input watermark: the minimum
 * over the channels that are not idle, never going backwards. When every channel is idle the task
 * itself is idle, and says so downstream. Single-threaded.
 */
public final class WatermarkValve {

  /** Receives what the valve decides. */
  public interface Listener {
    void onWatermark(long watermark) throws Exception;

    void onIdleChange(boolean idle) throws Exception;
  }

  private final long[] watermarks;
  private final boolean[] idle;
  private final boolean[] ended;
  private int endedCount;
  private final Listener listener;
  private long combined = Watermarks.MIN;
  private boolean allIdle;

  public WatermarkValve(int channels, Listener listener) {
    this.watermarks = new long[channels];
    this.idle = new boolean[channels];
    this.ended = new boolean[channels];
    this.listener = listener;
    Arrays.fill(watermarks, Watermarks.MIN);
  }

  public long current() {
    return combined;
  }

  public boolean isIdle() {
    return allIdle;
  }

  public void onWatermark(int channel, long watermark) throws Exception {
    if (ended[channel]) {
      return;
    }
    boolean wasIdle = idle[channel];
    idle[channel] = false;
    if (watermark > watermarks[channel]) {
      watermarks[channel] = watermark;
    }
    if (wasIdle) {
      becameActive();
    }
    advance();
  }

  public void onIdle(int channel) throws Exception {
    if (idle[channel] || ended[channel]) {
      return;
    }
    idle[channel] = true;
    // With one channel fewer in the minimum, the combined watermark may advance.
    advance();
    if (!allIdle && everyChannelIdle()) {
      allIdle = true;
      listener.onIdleChange(true);
    }
  }

  public void onActive(int channel) throws Exception {
    if (idle[channel] && !ended[channel]) {
      idle[channel] = false;
      becameActive();
    }
  }

  /**
   * The channel ended: it holds no watermark back anymore, but neither does it count as active, so
   * channels that are merely idle keep the watermark where it is until they end too.
   */
  public void onEnd(int channel) throws Exception {
    if (ended[channel]) {
      return;
    }
    ended[channel] = true;
    endedCount++;
    watermarks[channel] = Watermarks.MAX;
    idle[channel] = false;
    if (endedCount == watermarks.length) {
      if (Watermarks.MAX > combined) {
        combined = Watermarks.MAX;
        listener.onWatermark(Watermarks.MAX);
      }
      return;
    }
    advance();
  }

  private void becameActive() throws Exception {
    if (allIdle) {
      allIdle = false;
      listener.onIdleChange(false);
    }
  }

  private boolean everyChannelIdle() {
    for (int c = 0; c < idle.length; c++) {
      if (!idle[c] && !ended[c]) {
        return false;
      }
    }
    return true;
  }

  private void advance() throws Exception {
    long min = Long.MAX_VALUE;
    boolean any = false;
    for (int c = 0; c < watermarks.length; c++) {
      if (!idle[c] && !ended[c]) {
        any = true;
        if (watermarks[c] < min) {
          min = watermarks[c];
        }
      }
    }
    if (any && min > combined) {
      combined = min;
      listener.onWatermark(min);
    }
  }
}
