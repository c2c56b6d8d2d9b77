package dev.weir.engine.exchange;

/**
 * A fixed-size chunk of serialized records (or of one part of a large record): the unit that
 * travels between tasks and that flow control counts. Owned by a {@link BufferPool}, to which the
 * consumer returns it when it has read it.
 */
public final class NetworkBuffer implements BufferOrEvent {

  private final byte[] memory;
  private final BufferPool pool;
  private int size;

  NetworkBuffer(int capacity, BufferPool pool) {
    this.memory = new byte[capacity];
    this.pool = pool;
  }

  public byte[] memory() {
    return memory;
  }

  /** Bytes written so far. */
  public int size() {
    return size;
  }

  public int capacity() {
    return memory.length;
  }

  public int free() {
    return memory.length - size;
  }

  void setSize(int size) {
    this.size = size;
  }

  /** Makes room for new content; only the pool calls it. */
  void reset() {
    size = 0;
  }

  @Override
  public void deliverTo(Handler handler, int channel) throws Exception {
    handler.onBuffer(channel, this);
  }

  /** Hands the buffer back to its pool; the caller must not touch it afterwards. */
  public void recycle() {
    pool.recycle(this);
  }
}
