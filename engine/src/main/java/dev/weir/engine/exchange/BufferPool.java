package dev.weir.engine.exchange;

import java.util.ArrayDeque;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * A bounded set of equally sized network buffers, allocated lazily up to {@link #capacity()}. A
 * producer that finds the pool empty waits until a consumer recycles a buffer: this is how a slow
 * consumer slows its producers down (back-pressure) with bounded memory. Locks are taken per
 * buffer, never per record.
 */
public final class BufferPool {

  private final int bufferSize;
  private final int capacity;
  private final ArrayDeque<NetworkBuffer> free = new ArrayDeque<>();
  private int allocated;
  private int inUse;
  private int maxInUse;
  private volatile Thread waiter;
  private volatile Runnable availabilityListener;

  public BufferPool(int bufferSize, int capacity) {
    if (bufferSize < 64 || capacity < 1) {
      throw new IllegalArgumentException("buffer size " + bufferSize + ", capacity " + capacity);
    }
    this.bufferSize = bufferSize;
    this.capacity = capacity;
  }

  /**
   * Called (from the recycling thread) whenever a buffer comes back; wakes a waiting producer task.
   */
  public void setAvailabilityListener(Runnable listener) {
    this.availabilityListener = listener;
  }

  public int bufferSize() {
    return bufferSize;
  }

  public int capacity() {
    return capacity;
  }

  /** A free buffer, or {@code null} when all {@link #capacity()} buffers are in use. */
  public synchronized NetworkBuffer poll() {
    NetworkBuffer b = free.poll();
    if (b == null) {
      if (allocated == capacity) {
        return null;
      }
      allocated++;
      b = new NetworkBuffer(bufferSize, this);
    }
    if (++inUse > maxInUse) {
      maxInUse = inUse;
    }
    return b;
  }

  /** Whether {@link #poll()} would return a buffer now. */
  public synchronized boolean isAvailable() {
    return !free.isEmpty() || allocated < capacity;
  }

  /**
   * Waits for a free buffer. {@code cancelled} is checked while waiting; when it turns true the
   * wait ends with {@link CancelledWhileWaitingException}.
   */
  public NetworkBuffer request(BooleanSupplier cancelled) {
    NetworkBuffer b = poll();
    if (b != null) {
      return b;
    }
    waiter = Thread.currentThread();
    try {
      while ((b = poll()) == null) {
        if (cancelled.getAsBoolean()) {
          throw new CancelledWhileWaitingException();
        }
        LockSupport.parkNanos(this, 1_000_000L);
      }
      return b;
    } finally {
      waiter = null;
    }
  }

  void recycle(NetworkBuffer buffer) {
    buffer.reset();
    synchronized (this) {
      inUse--;
      free.push(buffer);
    }
    Thread t = waiter;
    if (t != null) {
      LockSupport.unpark(t);
    }
    Runnable listener = availabilityListener;
    if (listener != null) {
      listener.run();
    }
  }

  /** Buffers handed out and not yet recycled. */
  public synchronized int inUse() {
    return inUse;
  }

  /** The most buffers ever in use at once; never above {@link #capacity()}. */
  public synchronized int maxInUse() {
    return maxInUse;
  }

  /** Buffers ever created; never above {@link #capacity()}. */
  public synchronized int allocated() {
    return allocated;
  }

  /** Thrown out of a wait for a buffer when the task was cancelled meanwhile. */
  public static final class CancelledWhileWaitingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CancelledWhileWaitingException() {
      super("cancelled while waiting for a network buffer", null, false, false);
    }
  }
}
