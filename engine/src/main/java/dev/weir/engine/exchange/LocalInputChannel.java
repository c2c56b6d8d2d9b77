package dev.weir.engine.exchange;

/** A channel within one JVM: the consumer reads the producer's subpartition itself. */
public final class LocalInputChannel implements InputChannel {

  private final Subpartition subpartition;

  /** Connects to {@code subpartition}, announcing {@code credits} buffers of room. */
  public LocalInputChannel(Subpartition subpartition, int credits) {
    if (credits < 1) {
      throw new IllegalArgumentException(
          "an input channel needs at least one credit, got " + credits);
    }
    this.subpartition = subpartition;
    subpartition.addCredit(credits);
  }

  @Override
  public BufferOrEvent poll() {
    return subpartition.poll();
  }

  @Override
  public void consumed(NetworkBuffer buffer) {
    buffer.recycle();
    subpartition.addCredit(1);
  }

  @Override
  public void setDataListener(Runnable listener) {
    subpartition.setDataListener(listener);
  }

  @Override
  public void release() {
    subpartition.release();
  }
}
