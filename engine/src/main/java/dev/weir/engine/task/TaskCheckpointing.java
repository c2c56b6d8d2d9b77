package dev.weir.engine.task;

import dev.weir.engine.checkpoint.BarrierAligner;
import dev.weir.engine.checkpoint.PendingSubtaskState;
import dev.weir.engine.checkpoint.SnapshotDeclinedException;
import dev.weir.engine.checkpoint.SourcePositions;
import dev.weir.engine.checkpoint.StatePart;
import dev.weir.engine.checkpoint.TaskCheckpointContext;
import dev.weir.engine.checkpoint.TaskStateHandle;
import dev.weir.engine.exchange.ExchangeEvent;
import dev.weir.engine.exchange.ExchangeEvent.CheckpointBarrier;
import dev.weir.engine.exchange.InputGate;
import dev.weir.engine.exchange.RecordWriter;
import dev.weir.state.KeyGroupRange;
import dev.weir.state.KeyedStateBackend;
import dev.weir.state.KeyedStateBackend.StateSnapshot;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A task's part in checkpoints, in the task's thread: reacts to triggers (sources), aligns barriers
 * (tasks with inputs), takes the synchronous part of the snapshot (operator state, a copy-on-write
 * view of keyed state, the timers, the source position), forwards the barrier, and hands the
 * writing of the state to the job's writer threads, which acknowledge it.
 */
final class TaskCheckpointing implements BarrierAligner.Actions {

  private static final KeyGroupRange NO_KEY_GROUPS = new KeyGroupRange(0, -1);

  private final Task task;
  private final TaskCheckpointContext context;
  private BarrierAligner aligner;
  private InputGate gate;

  /** Newest checkpoint this task snapshotted (or gave up). */
  private long lastHandledId = -1;

  /**
   * A trigger that reached a task with inputs before its barrier: taken at the end of input if the
   * barrier never comes.
   */
  private CheckpointBarrier pendingTrigger;

  TaskCheckpointing(Task task, TaskCheckpointContext context) {
    this.task = task;
    this.context = context;
  }

  void announceRunning() {
    context.faults().taskRunning(task.name(), task::failExternally);
  }

  /** Called once the task's input gate is known. */
  void setGate(InputGate gate) {
    this.gate = gate;
    this.aligner = new BarrierAligner(gate.channelCount(), this);
  }

  BarrierAligner aligner() {
    return aligner;
  }

  // ---- triggers and notifications (mails, task thread) ----

  void onTrigger(CheckpointBarrier barrier) throws Exception {
    if (barrier.checkpointId() <= lastHandledId) {
      return;
    }
    if (task.finishedNormally()) {
      snapshot(barrier, true);
    } else if (task.inputEnded()) {
      // Still finishing (an operator drains work in finish() and yields): no barrier will come on
      // the input.
      snapshot(barrier, false);
    } else if (task.isSourceTask()) {
      snapshot(barrier, false);
    } else if (pendingTrigger == null || pendingTrigger.checkpointId() < barrier.checkpointId()) {
      pendingTrigger = barrier;
    }
  }

  /**
   * The task read all its input (its operators are about to finish): a trigger whose barrier will
   * not come any more is taken now.
   */
  void onInputEnded() throws Exception {
    CheckpointBarrier p = pendingTrigger;
    pendingTrigger = null;
    if (p != null && p.checkpointId() > lastHandledId) {
      snapshot(p, false);
    }
  }

  void onAbort(long checkpointId, String reason) throws Exception {
    if (pendingTrigger != null && pendingTrigger.checkpointId() == checkpointId) {
      pendingTrigger = null;
    }
    if (aligner != null) {
      aligner.abortIfCollecting(checkpointId, reason);
    }
    lastHandledId = Math.max(lastHandledId, checkpointId);
  }

  void onComplete(long checkpointId) throws Exception {
    for (OperatorHost host : task.hosts()) {
      host.operator().notifyCheckpointComplete(checkpointId);
    }
    if (task.isSourceTask()) {
      task.sourceReader().notifyCheckpointComplete(checkpointId);
    }
  }

  // ---- alignment (task thread) ----

  @Override
  public void block(int channel) {
    gate.block(channel);
  }

  @Override
  public void unblockAll() {
    gate.unblockAll();
  }

  @Override
  public boolean isEnded(int channel) {
    return gate.isEnded(channel);
  }

  @Override
  public void alignmentStarted(long checkpointId) throws Exception {
    context.faults().alignmentStarted(task.name(), checkpointId);
  }

  @Override
  public void alignmentComplete(CheckpointBarrier barrier) throws Exception {
    if (barrier.checkpointId() > lastHandledId) {
      snapshot(barrier, false);
    }
  }

  @Override
  public void aborted(long checkpointId, String reason) throws Exception {
    lastHandledId = Math.max(lastHandledId, checkpointId);
    for (RecordWriter<Object> w : task.writers()) {
      w.broadcastEvent(new ExchangeEvent.CancelCheckpoint(checkpointId));
    }
    context
        .responder()
        .decline(checkpointId, task, new IllegalStateException("alignment aborted: " + reason));
  }

  // ---- the snapshot ----

  /** One operator's captured state, written later. */
  private record Captured(
      String vertex,
      int subtask,
      int parallelism,
      KeyGroupRange keyGroups,
      byte[] operatorState,
      StateSnapshot keyed,
      StateSnapshot timers,
      byte[] sourcePosition) {}

  private void snapshot(CheckpointBarrier barrier, boolean finished) throws Exception {
    long id = barrier.checkpointId();
    lastHandledId = id;
    if (pendingTrigger != null && pendingTrigger.checkpointId() <= id) {
      pendingTrigger = null;
    }
    long start = System.nanoTime();
    if (task.isSourceTask() && !finished && !task.inputEnded()) {
      task.flushSourceWatermark();
    }
    List<Captured> captured = new ArrayList<>();
    List<OperatorHost> hosts = task.hosts();
    try {
      for (int i = 0; i < hosts.size(); i++) {
        OperatorHost host = hosts.get(i);
        // Head first: what an operator emits while snapshotting (a finished bundle) reaches the
        // next one before its snapshot.
        byte[] operatorState = host.operator().snapshotOperatorState(id);
        byte[] position =
            i == 0 && task.isSourceTask()
                ? SourcePositions.serialize(task.sourceReader().snapshotPosition(id))
                : null;
        StateSnapshot timers = host.timers() == null ? null : host.timers().snapshot();
        KeyedStateBackend<Object> keyed = host.keyedStateOrNull();
        StateSnapshot keyedSnapshot =
            keyed == null ? null : keyed.snapshotAsync(keyed.keyGroupRange());
        captured.add(
            new Captured(
                host.operatorName(),
                host.subtaskIndex(),
                host.parallelism(),
                keyed == null ? NO_KEY_GROUPS : keyed.keyGroupRange(),
                operatorState,
                keyedSnapshot,
                timers,
                position));
      }
    } catch (SnapshotDeclinedException e) {
      // The barrier still goes on, so tasks downstream snapshot and acknowledge as usual: the
      // checkpoint fails for this reason alone, and nothing waits for a barrier that never comes.
      release(captured);
      if (!finished) {
        for (RecordWriter<Object> w : task.writers()) {
          w.broadcastEvent(barrier);
        }
      }
      context.responder().decline(id, task, e);
      return;
    } catch (Exception | Error e) {
      release(captured);
      throw e;
    }
    if (!finished) {
      for (RecordWriter<Object> w : task.writers()) {
        w.broadcastEvent(barrier);
      }
    }
    if (barrier.stopSources() && task.isSourceTask()) {
      task.haltSource();
    }
    long syncNanos = System.nanoTime() - start;
    try {
      context.writers().execute(() -> write(barrier, finished, captured, syncNanos));
    } catch (RuntimeException rejected) {
      release(captured);
      throw rejected;
    }
  }

  /** Lets the backends stop copying what the snapshots shared. */
  private static void release(List<Captured> captured) {
    for (Captured c : captured) {
      if (c.keyed() != null) {
        c.keyed().release();
      }
      if (c.timers() != null) {
        c.timers().release();
      }
    }
  }

  private void write(
      CheckpointBarrier barrier, boolean finished, List<Captured> captured, long syncNanos) {
    long id = barrier.checkpointId();
    long start = System.nanoTime();
    try {
      context.faults().asyncSnapshot(task.name(), id);
    } catch (Throwable injected) {
      release(captured);
      task.failExternally(injected);
      return;
    }
    try {
      List<PendingSubtaskState> states = new ArrayList<>(captured.size());
      for (Captured c : captured) {
        Map<StatePart, StateSnapshot> parts = new EnumMap<>(StatePart.class);
        byte[] operatorState = c.operatorState();
        byte[] position = c.sourcePosition();
        if (operatorState != null) {
          parts.put(StatePart.OPERATOR_STATE, out -> out.write(operatorState));
        }
        if (c.keyed() != null) {
          parts.put(StatePart.KEYED_STATE, c.keyed());
        }
        if (c.timers() != null) {
          parts.put(StatePart.TIMERS, c.timers());
        }
        if (position != null) {
          parts.put(StatePart.SOURCE_POSITION, out -> out.write(position));
        }
        states.add(
            new PendingSubtaskState(
                c.vertex(), c.subtask(), c.parallelism(), c.keyGroups(), finished, parts));
      }
      TaskStateHandle handle;
      try {
        handle =
            context
                .storage()
                .writeTaskStateStreaming(id, barrier.savepoint(), task.stateFileName(), states);
      } finally {
        release(captured);
      }
      context.responder().acknowledge(id, task, handle, syncNanos, System.nanoTime() - start);
    } catch (Throwable e) {
      context.responder().decline(id, task, e);
    }
  }
}
