package dev.weir.cluster.coordinator;

import com.google.protobuf.ByteString;
import dev.weir.cluster.membership.RegisteredWorker;
import dev.weir.cluster.membership.WorkerRegistry;
import dev.weir.cluster.protocol.v1.AllTasksFinished;
import dev.weir.cluster.protocol.v1.CancelJob;
import dev.weir.cluster.protocol.v1.ControlMessage;
import dev.weir.cluster.protocol.v1.JobAttempt;
import dev.weir.cluster.protocol.v1.JobEnded;
import dev.weir.cluster.protocol.v1.PrepareTasks;
import dev.weir.cluster.protocol.v1.StartTasks;
import dev.weir.cluster.protocol.v1.SubtaskId;
import dev.weir.cluster.protocol.v1.TaskLocation;
import dev.weir.cluster.protocol.v1.TaskState;
import dev.weir.cluster.protocol.v1.TaskStatus;
import dev.weir.cluster.protocol.v1.TasksPrepared;
import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job as the coordinator runs it: its tasks placed on workers' slots, deployed in two phases
 * (every worker prepares its tasks, registering their partitions, before any task starts, so no
 * consumer asks for a partition that does not exist yet), followed through their states, told when
 * every task's input finished, and ended (FINISHED, FAILED or CANCELED) for the client that
 * submitted it. A failed task or a lost worker fails the job; its other tasks are cancelled.
 *
 * <p>Threads: messages of workers and clients arrive on event loops; everything under the object's
 * monitor. Sending only queues on a channel, so it happens under the monitor too.
 */
final class ClusterJob {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterJob.class);

  enum Phase {
    PREPARING,
    RUNNING,
    CANCELLING,
    ENDED
  }

  /** A task of the job: the head of its chain, its subtask, and the worker it runs on. */
  record Placed(String head, int subtask, RegisteredWorker worker) {
    SubtaskId id() {
      return SubtaskId.newBuilder().setVertex(head).setSubtask(subtask).build();
    }
  }

  private final String name;
  private final JobAttempt attempt;
  private final byte[] graph;
  private final List<String> jars;
  private final Channel client;
  private final WorkerRegistry workers;
  private final Consumer<ClusterJob> onEnd;
  private final List<Placed> tasks;

  /** Worker id → its tasks. */
  private final Map<String, List<Placed>> byWorker = new LinkedHashMap<>();

  /** Task → its last reported state (none: not reported yet). */
  private final Map<SubtaskId, TaskState> states = new HashMap<>();

  private final Set<String> awaitingPrepared = new HashSet<>();
  private Phase phase = Phase.PREPARING;
  private int inputFinished;
  private String failure;
  private boolean cancelRequested;
  private String endStatus;

  ClusterJob(
      String id,
      String name,
      byte[] graph,
      List<String> jars,
      Channel client,
      List<Placed> tasks,
      WorkerRegistry workers,
      Consumer<ClusterJob> onEnd) {
    this.name = name;
    this.attempt = JobAttempt.newBuilder().setJobId(id).setAttempt(1).build();
    this.graph = graph;
    this.jars = List.copyOf(jars);
    this.client = client;
    this.workers = workers;
    this.onEnd = onEnd;
    this.tasks = List.copyOf(tasks);
    for (Placed p : tasks) {
      byWorker.computeIfAbsent(p.worker().id(), w -> new ArrayList<>()).add(p);
    }
  }

  String id() {
    return attempt.getJobId();
  }

  String name() {
    return name;
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

  synchronized Phase phase() {
    return phase;
  }

  synchronized String endStatus() {
    return endStatus;
  }

  /** Sends every worker its tasks to prepare. */
  synchronized void deploy() {
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
    ByteString graphBytes = ByteString.copyFrom(graph);
    for (Map.Entry<String, List<Placed>> e : byWorker.entrySet()) {
      PrepareTasks.Builder prepare =
          PrepareTasks.newBuilder()
              .setJob(attempt)
              .setJobName(name)
              .setJobGraph(graphBytes)
              .addAllJarSha256(jars)
              .addAllPlacement(placement);
      for (Placed p : e.getValue()) {
        prepare.addSubtasks(p.id());
      }
      awaitingPrepared.add(e.getKey());
      if (!sendTo(e.getKey(), ControlMessage.newBuilder().setPrepareTasks(prepare).build())) {
        fail("worker " + e.getKey() + " was lost before its tasks were deployed");
        return;
      }
    }
    LOG.info(
        "job {} ({}): {} tasks on {} workers, preparing",
        id(),
        name,
        tasks.size(),
        byWorker.size());
  }

  synchronized void onPrepared(TasksPrepared prepared) {
    if (phase != Phase.PREPARING || !awaitingPrepared.remove(prepared.getWorkerId())) {
      return;
    }
    if (!prepared.getFailure().isEmpty()) {
      fail(
          "worker "
              + prepared.getWorkerId()
              + " could not deploy its tasks: "
              + prepared.getFailure());
      return;
    }
    if (awaitingPrepared.isEmpty()) {
      phase = Phase.RUNNING;
      for (String worker : byWorker.keySet()) {
        sendTo(
            worker,
            ControlMessage.newBuilder()
                .setStartTasks(StartTasks.newBuilder().setJob(attempt))
                .build());
      }
      LOG.info("job {} ({}): every task prepared, started", id(), name);
    }
  }

  synchronized void onTaskStatus(TaskStatus status) {
    if (phase == Phase.ENDED || phase == Phase.PREPARING) {
      return;
    }
    SubtaskId id = status.getSubtask();
    TaskState previous = states.get(id);
    if (isEnd(previous)) {
      return;
    }
    states.put(id, status.getState());
    switch (status.getState()) {
      case TASK_STATE_INPUT_FINISHED -> {
        if (++inputFinished == tasks.size() && phase == Phase.RUNNING) {
          for (String worker : byWorker.keySet()) {
            sendTo(
                worker,
                ControlMessage.newBuilder()
                    .setAllTasksFinished(AllTasksFinished.newBuilder().setJob(attempt))
                    .build());
          }
        }
      }
      case TASK_STATE_FAILED ->
          fail(
              "task "
                  + id.getVertex()
                  + " ("
                  + (id.getSubtask() + 1)
                  + ") failed: "
                  + status.getFailure());
      default -> {}
    }
    endIfAllEnded();
  }

  private static boolean isEnd(TaskState s) {
    return s == TaskState.TASK_STATE_FINISHED
        || s == TaskState.TASK_STATE_FAILED
        || s == TaskState.TASK_STATE_CANCELED;
  }

  /** Whether any task of the job runs on {@code workerId}. */
  boolean runsOn(String workerId) {
    return byWorker.containsKey(workerId);
  }

  synchronized void onWorkerLost(String workerId, String why) {
    if (phase == Phase.ENDED || !byWorker.containsKey(workerId)) {
      return;
    }
    for (Placed p : byWorker.get(workerId)) {
      if (!isEnd(states.get(p.id()))) {
        states.put(p.id(), TaskState.TASK_STATE_CANCELED);
      }
    }
    awaitingPrepared.remove(workerId);
    fail("worker " + workerId + " was lost: " + why);
    endIfAllEnded();
  }

  /** The client asked to cancel the job. */
  synchronized void cancel() {
    if (phase == Phase.ENDED || phase == Phase.CANCELLING) {
      return;
    }
    cancelRequested = true;
    cancelTasks();
  }

  private void fail(String why) {
    if (phase == Phase.ENDED) {
      return;
    }
    if (failure == null) {
      failure = why;
      LOG.warn("job {} ({}) fails: {}", id(), name, why);
    }
    if (phase != Phase.CANCELLING) {
      cancelTasks();
    }
  }

  private void cancelTasks() {
    boolean started = phase != Phase.PREPARING;
    phase = Phase.CANCELLING;
    for (String worker : byWorker.keySet()) {
      sendTo(
          worker,
          ControlMessage.newBuilder().setCancelJob(CancelJob.newBuilder().setJob(attempt)).build());
    }
    if (!started) {
      // Prepared tasks that never started are discarded without a word: nothing to wait for.
      end();
    } else {
      endIfAllEnded();
    }
  }

  private void endIfAllEnded() {
    if (phase == Phase.ENDED || phase == Phase.PREPARING) {
      return;
    }
    for (Placed p : tasks) {
      if (!isEnd(states.get(p.id()))) {
        return;
      }
    }
    end();
  }

  private void end() {
    phase = Phase.ENDED;
    endStatus = failure != null ? "FAILED" : cancelRequested ? "CANCELED" : "FINISHED";
    LOG.info("job {} ({}) ended {}", id(), name, endStatus);
    JobEnded.Builder ended = JobEnded.newBuilder().setJobId(id()).setStatus(endStatus);
    if (failure != null) {
      ended.setFailure(failure);
    }
    if (client.isActive()) {
      client.writeAndFlush(ControlMessage.newBuilder().setJobEnded(ended).build());
    }
    onEnd.accept(this);
  }

  /** False if the worker is not registered any more. */
  private boolean sendTo(String workerId, ControlMessage message) {
    Channel c = workers.channelOf(workerId);
    if (c == null || !c.isActive()) {
      return false;
    }
    c.writeAndFlush(message);
    return true;
  }
}
