package dev.weir.engine.source;

import java.io.Serializable;
import java.util.List;

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
   * A reader that continues from {@code positions}: values readers of this source returned from
   * {@link SourceReader#position()}. Used when a job is restored from a checkpoint: with the same
   * parallelism a subtask gets the one position its predecessor stored; after a change of
   * parallelism the stored positions are dealt round robin over the new subtasks, so a reader may
   * get several (it reads all of their splits) or none.
   */
  default SourceReader<T> restoreReader(int subtaskIndex, int parallelism, List<Object> positions)
      throws Exception {
    throw new UnsupportedOperationException(
        "source "
            + getClass().getName()
            + " cannot be restored from a checkpoint: it does not implement Source.restoreReader");
  }
}
