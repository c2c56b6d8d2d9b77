package dev.weir.engine.exchange;

import java.util.ArrayDeque;

/**
 * The sending end of one channel: a queue of finished buffers and events, drained by the consumer
 * only against credit. The consumer announces one credit per buffer it can hold; a data buffer
 * leaves the queue only while credit remains, and an event leaves when everything before it has. A
 * local consumer polls the queue directly; a network transport would poll it and write to the wire
 * under the same rule. Synchronized per buffer, never per record.
 */
public final class Subpartition {

  private final ArrayDeque<BufferOrEvent> queue = new ArrayDeque<>();
  private int credit;
  private int buffersQueued;
  private long polled;
  private volatile Runnable dataListener;

  /** Called when the consumer may find something to poll: set by the consumer's side. */
  public void setDataListener(Runnable listener) {
    this.dataListener = listener;
  }

  /** Queues a finished buffer (the producer gives up ownership). */
  public void add(NetworkBuffer buffer) {
    boolean notify;
    synchronized (this) {
      queue.add(buffer);
      buffersQueued++;
      notify = queue.size() == 1 && credit > 0;
    }
    if (notify) {
      notifyData();
    }
  }

  /** Queues an event behind whatever is queued. */
  public void add(ExchangeEvent event) {
    boolean notify;
    synchronized (this) {
      queue.add(event);
      notify = queue.size() == 1;
    }
    if (notify) {
      notifyData();
    }
  }

  /**
   * The next buffer or event if the consumer may take it now: an event at the head, or a buffer
   * while credit remains (taking it spends one credit). {@code null} otherwise.
   */
  public synchronized BufferOrEvent poll() {
    BufferOrEvent head = queue.peek();
    if (head == null) {
      return null;
    }
    if (head instanceof NetworkBuffer) {
      if (credit == 0) {
        return null;
      }
      credit--;
      buffersQueued--;
    }
    polled++;
    return queue.poll();
  }

  /**
   * How many buffers and events the consumer took so far, or -1 while some wait in the queue: one
   * atomic look, so whatever the producer queued is either waiting or counted as taken (what a
   * quiescence check of a job spread over processes relies on).
   */
  public synchronized long takenIfDrained() {
    return queue.isEmpty() ? polled : -1;
  }

  /** The consumer can take {@code n} more buffers. */
  public void addCredit(int n) {
    boolean notify;
    synchronized (this) {
      notify = credit == 0 && !queue.isEmpty();
      credit += n;
    }
    if (notify) {
      notifyData();
    }
  }

  public synchronized int credit() {
    return credit;
  }

  /** Finished buffers waiting for credit or for the consumer. */
  public synchronized int backlog() {
    return buffersQueued;
  }

  /** Drops what is queued, recycling its buffers; for a job that is being torn down. */
  public void release() {
    while (true) {
      BufferOrEvent o;
      synchronized (this) {
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

  private void notifyData() {
    Runnable l = dataListener;
    if (l != null) {
      l.run();
    }
  }
}
