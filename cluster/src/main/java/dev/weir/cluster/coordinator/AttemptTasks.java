package dev.weir.cluster.coordinator;

import dev.weir.cluster.membership.RegisteredWorker;
import dev.weir.cluster.protocol.v1.JobAttempt;
import dev.weir.cluster.protocol.v1.SubtaskId;
import dev.weir.cluster.protocol.v1.TaskLocation;
import dev.weir.cluster.protocol.v1.TaskState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tasks of one attempt of a job: where each runs, which workers still have to prepare theirs,
 * and the last state each task reported. Not thread-safe: its {@link ClusterJob} guards it.
 */
final class AttemptTasks {

  /** A task of the job: the head of its chain, its subtask, and the worker it runs on. */
  record Placed(String head, int subtask, RegisteredWorker worker) {
    SubtaskId id() {
      return SubtaskId.newBuilder().setVertex(head).setSubtask(subtask).build();
    }
  }

  private final JobAttempt attempt;
  private final List<Placed> tasks;
  private final Map<String, List<Placed>> byWorker = new LinkedHashMap<>();
  private final Map<SubtaskId, Placed> byId = new HashMap<>();
  private final Map<SubtaskId, TaskState> states = new HashMap<>();
  private final Set<String> awaitingPrepared = new HashSet<>();
  private int inputFinished;

  AttemptTasks(JobAttempt attempt, List<Placed> tasks) {
    this.attempt = attempt;
    this.tasks = List.copyOf(tasks);
    for (Placed p : tasks) {
      byWorker.computeIfAbsent(p.worker().id(), w -> new ArrayList<>()).add(p);
      byId.put(p.id(), p);
    }
    awaitingPrepared.addAll(byWorker.keySet());
  }

  JobAttempt attempt() {
    return attempt;
  }

  List<Placed> tasks() {
    return tasks;
  }

  /** Worker id → its tasks, in placement order. */
  Map<String, List<Placed>> byWorker() {
    return byWorker;
  }

  /** Every task's location, as each worker needs it to reach the others. */
  List<TaskLocation> placement() {
    List<TaskLocation> placement = new ArrayList<>();
    for (Placed p : tasks) {
      placement.add(
          TaskLocation.newBuilder()
              .setTask(p.id())
              .setWorkerId(p.worker().id())
              .setDataHost(p.worker().host())
              .setDataPort(p.worker().dataPort())
              .build());
    }
    return placement;
  }

  /** Slots taken per worker: one per slot index it got. */
  Map<String, Integer> slotsByWorker() {
    Map<String, Set<Integer>> slots = new HashMap<>();
    for (Placed p : tasks) {
      slots.computeIfAbsent(p.worker().id(), w -> new HashSet<>()).add(p.subtask());
    }
    Map<String, Integer> count = new HashMap<>();
    slots.forEach((w, s) -> count.put(w, s.size()));
    return count;
  }

  boolean runsOn(String workerId) {
    return byWorker.containsKey(workerId);
  }

  /** The task {@code id} if {@code workerId} runs it, else {@code null}. */
  Placed taskOn(String workerId, SubtaskId id) {
    Placed p = byId.get(id);
    return p != null && p.worker().id().equals(workerId) ? p : null;
  }

  /** Marks {@code workerId} prepared; true when it was the last one awaited. */
  boolean prepared(String workerId) {
    return awaitingPrepared.remove(workerId) && awaitingPrepared.isEmpty();
  }

  /** The workers whose tasks are not prepared yet. */
  List<String> awaitedWorkers() {
    return List.copyOf(awaitingPrepared);
  }

  boolean awaits(String workerId) {
    return awaitingPrepared.contains(workerId);
  }

  static boolean isEnd(TaskState s) {
    return s == TaskState.TASK_STATE_FINISHED
        || s == TaskState.TASK_STATE_FAILED
        || s == TaskState.TASK_STATE_CANCELED;
  }

  /**
   * Records a task's state; returns false if the task had ended already (a late report changes
   * nothing).
   */
  boolean report(SubtaskId id, TaskState state) {
    if (isEnd(states.get(id))) {
      return false;
    }
    states.put(id, state);
    if (state == TaskState.TASK_STATE_INPUT_FINISHED) {
      inputFinished++;
    }
    return true;
  }

  boolean allInputFinished() {
    return inputFinished == tasks.size();
  }

  /** The tasks of a lost worker count as cancelled. */
  void lost(String workerId) {
    awaitingPrepared.remove(workerId);
    for (Placed p : byWorker.getOrDefault(workerId, List.of())) {
      if (!isEnd(states.get(p.id()))) {
        states.put(p.id(), TaskState.TASK_STATE_CANCELED);
      }
    }
  }

  /** Whether every task ended after its input ended. */
  boolean allFinished() {
    for (Placed p : tasks) {
      if (states.get(p.id()) != TaskState.TASK_STATE_FINISHED) {
        return false;
      }
    }
    return true;
  }

  boolean allEnded() {
    for (Placed p : tasks) {
      if (!isEnd(states.get(p.id()))) {
        return false;
      }
    }
    return true;
  }
}
