package dev.weir.engine.exchange;

/**
 * What one producer subtask sends over one edge: a subpartition per consuming channel and the
 * bounded pool its buffers come from.
 */
public final class ResultPartition {

  private final String name;
  private final Subpartition[] subpartitions;
  private final BufferPool pool;

  public ResultPartition(String name, int channels, int bufferSize, int buffersPerChannel) {
    this.name = name;
    this.subpartitions = new Subpartition[channels];
    for (int i = 0; i < channels; i++) {
      subpartitions[i] = new Subpartition();
    }
    // One buffer more than channels guarantees progress: at most one partially filled buffer per
    // channel is held by the writer, so at least one buffer is always in flight or free.
    this.pool = new BufferPool(bufferSize, channels * Math.max(1, buffersPerChannel) + 1);
  }

  public String name() {
    return name;
  }

  public int channelCount() {
    return subpartitions.length;
  }

  public Subpartition subpartition(int channel) {
    return subpartitions[channel];
  }

  public BufferPool pool() {
    return pool;
  }

  public void release() {
    for (Subpartition s : subpartitions) {
      s.release();
    }
  }
}
