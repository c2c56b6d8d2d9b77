package dev.weir.engine.exchange;

/**
 * The receiving end of a channel. The consumer polls buffers and events, and gives each buffer back
 * once read, which returns the credit it used. A local channel reads its producer's subpartition
 * directly; a remote one would be fed by the network transport.
 */
public interface InputChannel {

  /** The next buffer or event, or {@code null} if none may be taken now. */
  BufferOrEvent poll();

  /** A buffer from {@link #poll()} has been read: recycle it and announce the credit again. */
  void consumed(NetworkBuffer buffer);

  /** Called when something may have become available to poll. */
  void setDataListener(Runnable listener);

  /** Drops whatever is still queued; for a job that is being torn down. */
  void release();
}
