package dev.weir.engine.source;

import java.io.Serializable;

/**
 * A source of records, split across the subtasks of its vertex: each subtask reads with its own
 * {@link SourceReader}.
 */
public interface Source<T> extends Serializable {

  /** Whether the input ends; a bounded source's job finishes when every reader is done. */
  boolean isBounded();

  /** The reader of subtask {@code subtaskIndex} of {@code parallelism}. */
  SourceReader<T> createReader(int subtaskIndex, int parallelism) throws Exception;

  /**
   * A reader that continues from {@code position}, a value some reader of this source returned
   * from {@link SourceReader#position()}. Used when a job is restored from a checkpoint.
   */
  default SourceReader<T> restoreReader(int subtaskIndex, int parallelism, Object position) throws Exception {
    throw new UnsupportedOperationException(getClass().getName() + " cannot be restored from a position");
  }
}
