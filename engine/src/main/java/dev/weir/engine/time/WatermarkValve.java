package dev.weir.engine.time;

/**
 * Combines the watermarks of a task's input channels into the task's input watermark: the
 * minimum over the channels that are not idle, never going backwards. When every channel is idle
 * the task itself is idle, and says so downstream. Single-threaded.
 */
public final class WatermarkValve {

  /** Receives what the valve decides. */
  public interface Listener {
    void onWatermark(long watermark) throws Exception;

    void onIdleChange(boolean idle) throws Exception;
  }

  private final long[] watermarks;
  private final boolean[] idle;
  private final Listener listener;
  private long combined = Watermarks.MIN;
  private boolean allIdle;

  public WatermarkValve(int channels, Listener listener) {
    this.watermarks = new long[channels];
    this.idle = new boolean[channels];
    this.listener = listener;
    java.util.Arrays.fill(watermarks, Watermarks.MIN);
  }

  public long current() {
    return combined;
  }

  public boolean isIdle() {
    return allIdle;
  }

  public void onWatermark(int channel, long watermark) throws Exception {
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
    if (idle[channel]) {
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
    if (idle[channel]) {
      idle[channel] = false;
      becameActive();
    }
  }

  /** The channel ended: it holds no watermark back anymore. */
  public void onEnd(int channel) throws Exception {
    onWatermark(channel, Watermarks.MAX);
  }

  private void becameActive() throws Exception {
    if (allIdle) {
      allIdle = false;
      listener.onIdleChange(false);
    }
  }

  private boolean everyChannelIdle() {
    for (boolean i : idle) {
      if (!i) {
        return false;
      }
    }
    return true;
  }

  private void advance() throws Exception {
    long min = Long.MAX_VALUE;
    boolean any = false;
    for (int c = 0; c < watermarks.length; c++) {
      if (!idle[c]) {
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
