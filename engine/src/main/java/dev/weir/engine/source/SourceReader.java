package dev.weir.engine.source;

/**
 * Reads one split of a source, driven by its task's thread: the task calls {@link #emitNext}
 * repeatedly, and between calls handles timers and (later) checkpoints, so a reader must return
 * promptly and never block for long.
 */
public interface SourceReader<T> extends AutoCloseable {

  /** What {@link #emitNext} achieved. */
  enum Status {
    /** More records may be ready right away. */
    MORE_AVAILABLE,
    /** Nothing ready now; the task waits a little before it asks again. */
    NOTHING_AVAILABLE,
    /** The split is exhausted; the task emits the final watermark and ends its input. */
    END_OF_INPUT
  }

  default void open() throws Exception {}

  /** Opens the reader with access to its job; the default ignores the context. */
  default void open(SourceContext context) throws Exception {
    open();
  }

  /** Emits some records (a few, or a small batch) and, when it knows one, a watermark. */
  Status emitNext(SourceOutput<T> output) throws Exception;

  /**
   * The reader's position after the records emitted so far (an offset, a split and offset, a
   * checkpoint mark): what a checkpoint stores so a restored reader continues from there. Must be
   * serializable.
   */
  default Object position() {
    return null;
  }

  /**
   * The position a snapshot for checkpoint {@code checkpointId} stores; by default {@link
   * #position()}. Readers that must acknowledge what a checkpoint covered (see {@link
   * #notifyCheckpointComplete}) remember here what belongs to which checkpoint.
   */
  default Object snapshotPosition(long checkpointId) throws Exception {
    return position();
  }

  /**
   * The checkpoint whose snapshot last took {@link #position()} is complete: the reader may now
   * acknowledge what it read up to there (commit offsets, finalize a checkpoint mark).
   */
  default void notifyCheckpointComplete(long checkpointId) throws Exception {}

  @Override
  default void close() throws Exception {}
}
