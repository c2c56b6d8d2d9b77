package dev.weir.engine.checkpoint;

import dev.weir.engine.exchange.ExchangeEvent.CheckpointBarrier;
import java.util.Arrays;

/**
 * Aligns checkpoint barriers over the input channels of one task. States:
 *
 * <ul>
 *   <li>WAITING: no checkpoint is being aligned; every channel is read.
 *   <li>COLLECTING: barrier <i>n</i> arrived on some channels; those are held (their later records
 *       belong after the snapshot) until it arrived on every channel that has not ended. Then the
 *       task snapshots, forwards the barrier and the held channels are released.
 * </ul>
 *
 * A checkpoint is aborted (back to WAITING, channels released, the abort passed on) when a producer
 * cancels it, or when a newer barrier overtakes it. Barriers of checkpoints already completed or
 * aborted here are ignored. An ended channel counts as aligned. Used by the task's thread only.
 */
public final class BarrierAligner {

  /** What alignment does to the task. */
  public interface Actions {
    void block(int channel);

    void unblockAll();

    boolean isEnded(int channel);

    /** Every channel delivered (or ended after) the barrier: snapshot and forward it. */
    void alignmentComplete(CheckpointBarrier barrier) throws Exception;

    /** The checkpoint was given up here; tell the consumers and the coordinator. */
    void aborted(long checkpointId, String reason) throws Exception;

    /** The first barrier of a checkpoint arrived (a hook for fault injection and metrics). */
    default void alignmentStarted(long checkpointId) throws Exception {}
  }

  public enum State {
    WAITING,
    COLLECTING
  }

  private final int channels;
  private final Actions actions;
  private final boolean[] arrived;
  private int arrivedCount;
  private State state = State.WAITING;

  /** The checkpoint being aligned, or the newest one completed or aborted here. */
  private long currentId = -1;

  private CheckpointBarrier current;
  private long alignmentStartNanos;

  public BarrierAligner(int channels, Actions actions) {
    this.channels = channels;
    this.actions = actions;
    this.arrived = new boolean[channels];
  }

  public State state() {
    return state;
  }

  /** The newest checkpoint this task aligned, aborted or is aligning. */
  public long currentCheckpointId() {
    return currentId;
  }

  public void onBarrier(int channel, CheckpointBarrier barrier) throws Exception {
    long id = barrier.checkpointId();
    if (id < currentId || (id == currentId && state == State.WAITING)) {
      return; // a checkpoint already completed or aborted here
    }
    if (id > currentId) {
      if (state == State.COLLECTING) {
        abort("checkpoint " + id + " overtook it");
      }
      start(barrier);
    }
    if (!arrived[channel]) {
      arrived[channel] = true;
      arrivedCount++;
      actions.block(channel);
    }
    completeIfAligned();
  }

  /** A channel ended (its producer finished); it no longer holds up an alignment. */
  public void onChannelEnded(int channel) throws Exception {
    if (state == State.COLLECTING) {
      completeIfAligned();
    }
  }

  /** A producer cancelled checkpoint {@code checkpointId}. */
  public void onCancel(long checkpointId) throws Exception {
    if (checkpointId < currentId || (checkpointId == currentId && state == State.WAITING)) {
      return;
    }
    if (checkpointId > currentId) {
      if (state == State.COLLECTING) {
        abort("checkpoint " + checkpointId + " was cancelled upstream");
      }
      currentId = checkpointId; // its barriers, should any still come, are ignored
      actions.aborted(checkpointId, "cancelled upstream");
      return;
    }
    abort("cancelled upstream");
  }

  /** Gives up the checkpoint being aligned (for instance because the coordinator cancelled it). */
  public void abortIfCollecting(long checkpointId, String reason) throws Exception {
    if (state == State.COLLECTING && currentId == checkpointId) {
      abort(reason);
    } else if (checkpointId > currentId) {
      currentId = checkpointId;
    }
  }

  /** Nanoseconds the current alignment has been going on, or 0. */
  public long alignmentNanos() {
    return state == State.COLLECTING ? System.nanoTime() - alignmentStartNanos : 0;
  }

  private void start(CheckpointBarrier barrier) throws Exception {
    state = State.COLLECTING;
    currentId = barrier.checkpointId();
    current = barrier;
    arrivedCount = 0;
    Arrays.fill(arrived, false);
    alignmentStartNanos = System.nanoTime();
    actions.alignmentStarted(currentId);
  }

  private void completeIfAligned() throws Exception {
    if (arrivedCount < channels) {
      for (int c = 0; c < channels; c++) {
        if (!arrived[c] && !actions.isEnded(c)) {
          return;
        }
      }
    }
    state = State.WAITING;
    CheckpointBarrier barrier = current;
    current = null;
    // Snapshot first: records of held channels come after the barrier and must not reach the state
    // before it.
    actions.alignmentComplete(barrier);
    actions.unblockAll();
  }

  private void abort(String reason) throws Exception {
    long id = currentId;
    state = State.WAITING;
    current = null;
    actions.unblockAll();
    actions.aborted(id, reason);
  }
}
