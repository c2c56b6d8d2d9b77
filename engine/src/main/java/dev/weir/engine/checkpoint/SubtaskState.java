package dev.weir.engine.checkpoint;

import dev.weir.state.KeyGroupRange;
import dev.weir.state.SnapshotFormat;

/**
 * What one subtask of one vertex put into a checkpoint. Every part may be {@code null} (nothing to
 * store). Keyed state, which may be larger than the heap, stays in its checkpoint file and is
 * streamed when restored; the other parts are small and held in memory. A subtask that had finished
 * its input when the checkpoint was taken is marked {@code finished}: restored, it does not process
 * input again.
 *
 * @param vertex the vertex's name, stable across runs of the job: how restored state finds its
 *     operator
 * @param keyGroups the key groups of {@code keyedState} and {@code timers}; empty for a non-keyed
 *     vertex
 */
public record SubtaskState(
    String vertex,
    int subtaskIndex,
    int parallelism,
    KeyGroupRange keyGroups,
    byte[] operatorState,
    SnapshotFormat.Source keyedState,
    byte[] timers,
    byte[] sourcePosition,
    boolean finished) {

  /** Bytes of the parts held in memory (keyed state is read from its file when restored). */
  public long size() {
    return length(operatorState) + length(timers) + length(sourcePosition);
  }

  private static long length(byte[] b) {
    return b == null ? 0 : b.length;
  }
}
