package dev.weir.engine.exchange;

/**
 * All input channels of a task, over every input edge. Channels announce that they may have data
 * (their data listener runs on the producing side); the gate keeps those channels in a queue and
 * polls only them, in the order they announced, so no channel starves and a poll touches one
 * channel instead of all of them. Tracks which channels ended and which are held back while a
 * checkpoint barrier is aligned.
 *
 * <p>Threads: {@link #pollNext()} and every method but the channels' data listeners are called by
 * the task's thread only. The queue of announced channels is shared with the producers' threads and
 * guarded by {@code announced}'s monitor, taken once per poll and once per announcement.
 */
public final class InputGate {

  private final InputChannel[] channels;
  private final boolean[] ended;

  /** Channels held back while a checkpoint barrier is being aligned. */
  private final boolean[] blocked;

  /** Blocked channels taken from the queue: announced again when they are released. */
  private final boolean[] parked;

  private final AnnouncedChannels announced;
  private int blockedCount;
  private int endedCount;
  private int lastChannel = -1;

  /**
   * A gate over {@code channels}; {@code dataListener} runs (on the announcing thread) after a
   * channel announced data, to wake the task.
   */
  public InputGate(InputChannel[] channels, Runnable dataListener) {
    this.channels = channels;
    this.ended = new boolean[channels.length];
    this.blocked = new boolean[channels.length];
    this.parked = new boolean[channels.length];
    this.announced = new AnnouncedChannels(channels.length);
    for (int i = 0; i < channels.length; i++) {
      int channel = i;
      channels[i].setDataListener(
          () -> {
            announced.add(channel);
            dataListener.run();
          });
      // Data may have arrived before the listener was set.
      announced.add(i);
    }
  }

  public int channelCount() {
    return channels.length;
  }

  /** The next buffer or event from some channel, or {@code null} when none is ready. */
  public BufferOrEvent pollNext() {
    while (true) {
      int c = announced.take();
      if (c < 0) {
        return null;
      }
      if (ended[c]) {
        continue;
      }
      if (blocked[c]) {
        parked[c] = true;
        continue;
      }
      BufferOrEvent next = channels[c].poll();
      if (next != null) {
        // It may hold more: to the back of the queue, behind the others that announced data.
        announced.add(c);
        lastChannel = c;
        return next;
      }
      // Empty or out of credit: it announces itself again when that changes.
    }
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
    if (blockedCount == 0) {
      return;
    }
    for (int c = 0; c < channels.length; c++) {
      blocked[c] = false;
      if (parked[c]) {
        parked[c] = false;
        announced.add(c);
      }
    }
    blockedCount = 0;
  }

  public boolean isFinished() {
    return endedCount == channels.length;
  }

  public void release() {
    for (InputChannel c : channels) {
      c.release();
    }
  }

  /**
   * A FIFO of channel indexes, each at most once: a ring of {@code n} slots, so announcing never
   * allocates.
   */
  private static final class AnnouncedChannels {
    private final int[] ring;
    private final boolean[] queued;
    private int head;
    private int size;

    AnnouncedChannels(int channels) {
      this.ring = new int[Math.max(1, channels)];
      this.queued = new boolean[channels];
    }

    synchronized void add(int channel) {
      if (!queued[channel]) {
        queued[channel] = true;
        int tail = head + size;
        ring[tail >= ring.length ? tail - ring.length : tail] = channel;
        size++;
      }
    }

    /** The channel that announced first, or -1. Its flag is cleared before it is polled. */
    synchronized int take() {
      if (size == 0) {
        return -1;
      }
      int channel = ring[head];
      head = head + 1 == ring.length ? 0 : head + 1;
      size--;
      queued[channel] = false;
      return channel;
    }
  }
}
