package dev.weir.engine.exchange;

import java.util.Arrays;

/**
 * All input channels of a task, over every input edge. Polls them round robin so no channel
 * starves, and tracks which channels have ended. Used by the task's thread only.
 */
public final class InputGate {

  private final InputChannel[] channels;
  private final boolean[] ended;

  /** Channels held back while a checkpoint barrier is being aligned. */
  private final boolean[] blocked;

  private int blockedCount;
  private int endedCount;
  private int next;
  private int lastChannel = -1;

  public InputGate(InputChannel[] channels, Runnable dataListener) {
    this.channels = channels;
    this.ended = new boolean[channels.length];
    this.blocked = new boolean[channels.length];
    for (InputChannel c : channels) {
      c.setDataListener(dataListener);
    }
  }

  public int channelCount() {
    return channels.length;
  }

  /** The next buffer or event from some channel, or {@code null} when none is ready. */
  public Object pollNext() {
    int n = channels.length;
    for (int i = 0; i < n; i++) {
      int c = next + i;
      if (c >= n) {
        c -= n;
      }
      if (ended[c] || (blockedCount != 0 && blocked[c])) {
        continue;
      }
      Object o = channels[c].poll();
      if (o != null) {
        lastChannel = c;
        next = c + 1 == n ? 0 : c + 1;
        return o;
      }
    }
    return null;
  }

  /** The channel that the last {@link #pollNext()} result came from. */
  public int lastChannel() {
    return lastChannel;
  }

  public InputChannel channel(int index) {
    return channels[index];
  }

  /** Marks a channel as ended (its end of input arrived); it is polled no more. */
  public void markEnded(int channel) {
    if (!ended[channel]) {
      ended[channel] = true;
      endedCount++;
    }
  }

  public boolean isEnded(int channel) {
    return ended[channel];
  }

  /** Holds the channel back: {@link #pollNext()} skips it until {@link #unblockAll()}. */
  public void block(int channel) {
    if (!blocked[channel]) {
      blocked[channel] = true;
      blockedCount++;
    }
  }

  public boolean isBlocked(int channel) {
    return blocked[channel];
  }

  /** Releases every held channel; data that queued up meanwhile is read next. */
  public void unblockAll() {
    if (blockedCount != 0) {
      Arrays.fill(blocked, false);
      blockedCount = 0;
    }
  }

  public boolean isFinished() {
    return endedCount == channels.length;
  }

  public void release() {
    for (InputChannel c : channels) {
      c.release();
    }
  }
}
