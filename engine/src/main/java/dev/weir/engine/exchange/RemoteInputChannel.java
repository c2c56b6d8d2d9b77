package dev.weir.engine.exchange;

import java.util.ArrayDeque;

/**
 * The receiving end of a channel whose producer runs in another process. A network transport feeds
 * it what arrives; the task polls it like any channel.
 *
 * <p>Exclusive credit: the channel owns {@link #credits()} buffers. The producer is told of all of
 * them when the channel is requested, and of one more each time the task gives a buffer back, so it
 * never sends more buffers than the channel has free: the transport copies what arrives into a free
 * buffer at once and never waits for room (an I/O thread must not block). A producer that sends
 * without credit breaks the protocol, and {@link #bufferForIncoming} says so.
 *
 * <p>Threads: {@link #poll}, {@link #consumed} and {@link #release} on the task's thread; {@link
 * #bufferForIncoming}, {@link #onBuffer}, {@link #onEvent} and {@link #onFailure} on the
 * transport's thread for this channel (one at a time); {@link #connect} before either starts.
 * Synchronized per buffer, never per record.
 */
public final class RemoteInputChannel implements InputChannel {

  /** What the channel tells its producer, through the transport. */
  public interface ProducerLink {
    /** The channel has room for {@code credits} more buffers. Task thread. */
    void announceCredit(int credits);

    /** The channel is released: send nothing more. Task thread, once. */
    void cancel();
  }

  private final String description;
  private final BufferPool buffers;
  private final ArrayDeque<BufferOrEvent> queue = new ArrayDeque<>();
  private volatile ProducerLink producer;
  private volatile Runnable dataListener;

  /** Why the channel cannot deliver more; thrown by {@link #poll} once the queue is read. */
  private RuntimeException failure;

  private boolean endReceived;
  private long received;
  private boolean released;

  /**
   * @param description what the channel reads, for error messages: the producer and its address
   * @param credits the buffers the channel owns (its credit towards the producer)
   * @param bufferSize the producer's buffer size: no buffer that arrives is larger
   */
  public RemoteInputChannel(String description, int credits, int bufferSize) {
    if (credits < 1) {
      throw new IllegalArgumentException(
          "an input channel needs at least one credit, got " + credits);
    }
    this.description = description;
    this.buffers = new BufferPool(bufferSize, credits);
  }

  public String description() {
    return description;
  }

  /** The buffers this channel owns, all of which the producer may fill. */
  public int credits() {
    return buffers.capacity();
  }

  /** The largest number of buffers this channel ever held at once; never above its credit. */
  public int maxBuffersHeld() {
    return buffers.maxInUse();
  }

  /** Sets where returned credit goes; call once, before the producer is asked for data. */
  public void connect(ProducerLink producer) {
    this.producer = producer;
  }

  // ---- the transport's side ----

  /**
   * A free buffer to copy {@code length} bytes that arrived into, or {@code null} when the channel
   * was released (the bytes are to be dropped).
   *
   * @throws IllegalStateException if the producer sent without credit or a buffer larger than its
   *     buffers: the connection is not to be trusted any more
   */
  public NetworkBuffer bufferForIncoming(int length) {
    synchronized (this) {
      if (released) {
        return null;
      }
    }
    if (length < 0 || length > buffers.bufferSize()) {
      throw new IllegalStateException(
          description
              + ": the producer sent a buffer of "
              + length
              + " bytes; buffers hold "
              + buffers.bufferSize());
    }
    NetworkBuffer b = buffers.poll();
    if (b == null) {
      throw new IllegalStateException(
          description + ": the producer sent a buffer without credit (all " + credits() + " used)");
    }
    return b;
  }

  /** {@code buffer}, from {@link #bufferForIncoming}, now holds {@code length} bytes to read. */
  public void onBuffer(NetworkBuffer buffer, int length) {
    buffer.setSize(length);
    enqueue(buffer);
  }

  /** An event arrived, in line with the buffers before and after it. */
  public void onEvent(ExchangeEvent event) {
    enqueue(event);
  }

  /**
   * The channel cannot receive any more ({@code cause} says why: the connection was lost, the
   * producer refused the request). The task reads what arrived before and then fails with it,
   * unless the producer's end of input arrived already.
   */
  public void onFailure(String cause) {
    boolean notify;
    synchronized (this) {
      if (endReceived || released || failure != null) {
        return;
      }
      failure = new RemoteChannelException(description + ": " + cause);
      notify = queue.isEmpty();
    }
    if (notify) {
      notifyData();
    }
  }

  private void enqueue(BufferOrEvent item) {
    boolean notify;
    synchronized (this) {
      if (released) {
        if (item instanceof NetworkBuffer b) {
          b.recycle();
        }
        return;
      }
      if (item instanceof ExchangeEvent.EndOfInput) {
        endReceived = true;
      }
      received++;
      queue.add(item);
      notify = queue.size() == 1;
    }
    if (notify) {
      notifyData();
    }
  }

  private void notifyData() {
    Runnable l = dataListener;
    if (l != null) {
      l.run();
    }
  }

  /**
   * Buffers and events that arrived so far (counted before the task is told), for comparing with
   * what producers sent when checking a job for quiescence.
   */
  public synchronized long received() {
    return received;
  }

  // ---- the task's side ----

  @Override
  public BufferOrEvent poll() {
    synchronized (this) {
      BufferOrEvent next = queue.poll();
      if (next != null || failure == null) {
        return next;
      }
      throw failure;
    }
  }

  @Override
  public void consumed(NetworkBuffer buffer) {
    buffer.recycle();
    ProducerLink p = producer;
    if (p != null) {
      p.announceCredit(1);
    }
  }

  @Override
  public void setDataListener(Runnable listener) {
    this.dataListener = listener;
  }

  @Override
  public void release() {
    boolean first;
    synchronized (this) {
      first = !released;
      released = true;
    }
    ProducerLink p = producer;
    if (first && p != null && !endReceived()) {
      p.cancel();
    }
    while (true) {
      BufferOrEvent o;
      synchronized (this) {
        released = true;
        o = queue.poll();
      }
      if (o == null) {
        return;
      }
      if (o instanceof NetworkBuffer b) {
        b.recycle();
      }
    }
  }

  private synchronized boolean endReceived() {
    return endReceived;
  }

  /** Whether {@link #release} was called: the transport stops feeding the channel. */
  public synchronized boolean isReleased() {
    return released;
  }

  /** A remote channel failed: its connection was lost or its producer refused it. */
  public static final class RemoteChannelException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RemoteChannelException(String message) {
      super(message);
    }
  }
}
