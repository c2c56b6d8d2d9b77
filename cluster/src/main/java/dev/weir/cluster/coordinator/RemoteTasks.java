package dev.weir.cluster.coordinator;

import dev.weir.cluster.protocol.v1.AbortCheckpoint;
import dev.weir.cluster.protocol.v1.CheckpointComplete;
import dev.weir.cluster.protocol.v1.ControlMessage;
import dev.weir.cluster.protocol.v1.JobAttempt;
import dev.weir.cluster.protocol.v1.SubtaskId;
import dev.weir.cluster.protocol.v1.TriggerCheckpoint;
import dev.weir.engine.checkpoint.CheckpointParticipant;
import dev.weir.engine.exchange.ExchangeEvent.CheckpointBarrier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The tasks of one attempt as the {@link dev.weir.engine.checkpoint.CheckpointCoordinator} sees
 * them: one participant per task, but one message per worker. The coordinator calls every
 * participant; the first call for a checkpoint sends the worker a message about it, which the
 * worker applies to all the attempt's tasks it runs. Called under the checkpoint coordinator's
 * lock; sending only queues on a channel.
 */
final class RemoteTasks {

  private final JobAttempt attempt;
  private final BiConsumer<String, ControlMessage> sendToWorker;
  private final Map<SubtaskId, Participant> byId = new HashMap<>();
  private final List<Participant> all = new ArrayList<>();

  /** Per worker: the last checkpoint told of, by kind, so each is told once. */
  private final Map<String, long[]> told = new HashMap<>();

  private static final int TRIGGER = 0;
  private static final int COMPLETE = 1;
  private static final int ABORT = 2;

  RemoteTasks(AttemptTasks tasks, String jobName, BiConsumer<String, ControlMessage> sendToWorker) {
    this.attempt = tasks.attempt();
    this.sendToWorker = sendToWorker;
    for (AttemptTasks.Placed p : tasks.tasks()) {
      Participant participant =
          new Participant(
              jobName + " " + p.head() + " (" + (p.subtask() + 1) + ")", p.worker().id());
      byId.put(p.id(), participant);
      all.add(participant);
    }
  }

  List<Participant> participants() {
    return all;
  }

  /** The participant of task {@code id}, or {@code null}. */
  Participant of(SubtaskId id) {
    return byId.get(id);
  }

  private synchronized boolean firstFor(String worker, int kind, long checkpointId) {
    long[] last = told.computeIfAbsent(worker, w -> new long[] {-1, -1, -1});
    if (last[kind] >= checkpointId) {
      return false;
    }
    last[kind] = checkpointId;
    return true;
  }

  /** One task on a worker. */
  final class Participant implements CheckpointParticipant {
    private final String name;
    private final String worker;

    Participant(String name, String worker) {
      this.name = name;
      this.worker = worker;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public void triggerCheckpoint(CheckpointBarrier barrier) {
      if (firstFor(worker, TRIGGER, barrier.checkpointId())) {
        sendToWorker.accept(
            worker,
            ControlMessage.newBuilder()
                .setTriggerCheckpoint(
                    TriggerCheckpoint.newBuilder()
                        .setJob(attempt)
                        .setCheckpointId(barrier.checkpointId())
                        .setTimestampMillis(barrier.timestamp())
                        .setSavepoint(barrier.savepoint())
                        .setStopSources(barrier.stopSources()))
                .build());
      }
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
      if (firstFor(worker, COMPLETE, checkpointId)) {
        sendToWorker.accept(
            worker,
            ControlMessage.newBuilder()
                .setCheckpointComplete(
                    CheckpointComplete.newBuilder().setJob(attempt).setCheckpointId(checkpointId))
                .build());
      }
    }

    @Override
    public void abortCheckpoint(long checkpointId, String reason) {
      if (firstFor(worker, ABORT, checkpointId)) {
        sendToWorker.accept(
            worker,
            ControlMessage.newBuilder()
                .setAbortCheckpoint(
                    AbortCheckpoint.newBuilder()
                        .setJob(attempt)
                        .setCheckpointId(checkpointId)
                        .setReason(reason))
                .build());
      }
    }

    @Override
    public String toString() {
      return name;
    }
  }
}
