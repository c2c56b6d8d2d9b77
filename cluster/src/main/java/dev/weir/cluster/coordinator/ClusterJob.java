package dev.weir.cluster.coordinator;

import com.google.protobuf.ByteString;
import dev.weir.cluster.job.CheckpointFiguresCodec;
import dev.weir.cluster.job.StateHandleCodec;
import dev.weir.cluster.membership.RegisteredWorker;
import dev.weir.cluster.membership.WorkerRegistry;
import dev.weir.cluster.protocol.v1.AcknowledgeCheckpoint;
import dev.weir.cluster.protocol.v1.AllTasksFinished;
import dev.weir.cluster.protocol.v1.AttemptMetrics;
import dev.weir.cluster.protocol.v1.CancelJob;
import dev.weir.cluster.protocol.v1.ControlMessage;
import dev.weir.cluster.protocol.v1.DeclineCheckpoint;
import dev.weir.cluster.protocol.v1.Failure;
import dev.weir.cluster.protocol.v1.JobAttempt;
import dev.weir.cluster.protocol.v1.JobEnded;
import dev.weir.cluster.protocol.v1.JobInfo;
import dev.weir.cluster.protocol.v1.PrepareTasks;
import dev.weir.cluster.protocol.v1.ProcessingTimeAdvanced;
import dev.weir.cluster.protocol.v1.QuiescenceLook;
import dev.weir.cluster.protocol.v1.QuiescenceProbe;
import dev.weir.cluster.protocol.v1.ResumeSources;
import dev.weir.cluster.protocol.v1.StartTasks;
import dev.weir.cluster.protocol.v1.SubtaskId;
import dev.weir.cluster.protocol.v1.TaskLocation;
import dev.weir.cluster.protocol.v1.TaskStatus;
import dev.weir.cluster.protocol.v1.TasksPrepared;
import dev.weir.engine.checkpoint.CheckpointCoordinator;
import dev.weir.engine.checkpoint.CheckpointException;
import dev.weir.engine.checkpoint.CompletedCheckpoint;
import dev.weir.engine.checkpoint.TaskStateHandle;
import dev.weir.engine.cluster.EngineConfig;
import io.netty.channel.Channel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job as the coordinator runs it, attempt after attempt. An attempt's tasks are placed on free
 * slots and deployed in two phases (every worker prepares its tasks, registering their partitions,
 * before any task starts, so no consumer asks for a partition that does not exist yet), then
 * followed through their states. With checkpoints, a {@link CheckpointCoordinator} triggers them
 * through the workers ({@link RemoteTasks}) and collects the tasks' acknowledgements; a bounded job
 * takes a final checkpoint once every task finished its input. A failed task, a lost worker or too
 * many failed checkpoints end the attempt: while the restart strategy allows, the next attempt runs
 * from the latest completed checkpoint on the slots that remain (waiting a bounded time for enough
 * of them); otherwise the job fails. The client that submitted it is told how it ended.
 *
 * <p>Threads: messages arrive on event loops, delays run on the coordinator's scheduler; state
 * under the object's monitor. The checkpoint coordinator is called without holding it (it calls
 * back).
 */
final class ClusterJob {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterJob.class);

  /** How long a restart waits for enough free slots before the job fails. */
  static final Duration SLOT_WAIT = Duration.ofSeconds(60);

  /**
   * How long workers may take to prepare an attempt's tasks (fetching jars, restoring state) before
   * the attempt fails.
   */
  static final Duration PREPARE_TIMEOUT = Duration.ofMinutes(10);

  enum Phase {
    PREPARING,
    RUNNING,
    FINISHING,
    RESTARTING,
    CANCELLING,
    ENDED
  }

  /** The coordinator's slots: taken by an attempt, given back when it ended. */
  interface Slots {
    /**
     * The worker of each of {@code needed} slots, now taken.
     *
     * @throws SlotPlacement.NotEnoughSlotsException naming the slots needed and free
     */
    List<RegisteredWorker> take(int needed);

    void release(Map<String, Integer> byWorker);
  }

  private final SubmittedJob job;
  private final String id;
  private final String name;
  private final EngineConfig settings;
  private final Channel client;
  private final WorkerRegistry workers;
  private final Slots slots;
  private final ScheduledExecutorService scheduler;
  private final Consumer<ClusterJob> onEnd;
  private final CheckpointCoordinator checkpoints;
  private final String checkpointFolder;

  private AttemptTasks current;
  private ScheduledFuture<?> prepareTimeout;
  private RemoteTasks remote;
  private long attemptNumber;
  private int restarts;
  private long slotWaitStartNanos = -1;
  private Phase phase = Phase.PREPARING;
  private String failure;
  private String lastAttemptFailure;

  /** The exception of the task whose failure ended the last attempt, if a task's did. */
  private Failure lastAttemptFailureDetail;

  private boolean cancelRequested;

  /** A stop-with-savepoint completed: the job ends FINISHED once its tasks stopped. */
  private boolean stopped;

  private String endStatus;

  /**
   * The newest user-metrics report of each worker in each attempt (key: attempt, then worker);
   * opaque here, merged by the client.
   */
  private final Map<String, ByteString> userMetrics = new LinkedHashMap<>();

  /** The current attempt's clock and quiescence for replayed jobs. */
  private ReplayCoordination replay;

  ClusterJob(
      SubmittedJob job,
      CheckpointCoordinator checkpoints,
      Channel client,
      WorkerRegistry workers,
      Slots slots,
      ScheduledExecutorService scheduler,
      Consumer<ClusterJob> onEnd) {
    this.job = job;
    this.id = job.id();
    this.name = job.name();
    this.settings = job.settings();
    this.checkpoints = checkpoints;
    this.checkpointFolder = checkpoints == null ? "" : checkpoints.storage().directory().toString();
    this.client = client;
    this.workers = workers;
    this.slots = slots;
    this.scheduler = scheduler;
    this.onEnd = onEnd;
    if (checkpoints != null) {
      checkpoints.onTooManyFailures(this::tooManyCheckpointFailures);
    }
  }

  String id() {
    return id;
  }

  String name() {
    return name;
  }

  synchronized Phase phase() {
    return phase;
  }

  synchronized String endStatus() {
    return endStatus;
  }

  synchronized int restarts() {
    return restarts;
  }

  /** Slots the job needs: one per subtask of its widest chain. */
  int slotsNeeded() {
    return job.slotsNeeded();
  }

  /**
   * Deploys the first attempt on {@code placedSlots}, taken by the caller.
   *
   * @param placedSlots the worker of each slot
   */
  synchronized void start(List<RegisteredWorker> placedSlots) {
    deploy(placedSlots);
    if (checkpoints != null) {
      checkpoints.start();
    }
  }

  private void deploy(List<RegisteredWorker> placedSlots) {
    attemptNumber++;
    JobAttempt attempt = JobAttempt.newBuilder().setJobId(id).setAttempt(attemptNumber).build();
    List<AttemptTasks.Placed> placed = job.place(placedSlots);
    current = new AttemptTasks(attempt, placed);
    remote = checkpoints == null ? null : new RemoteTasks(current, name, this::sendTo);
    replay = new ReplayCoordination(current, this::sendTo);
    phase = Phase.PREPARING;
    CompletedCheckpoint latest = checkpoints == null ? null : checkpoints.latestCompleted();
    Path restore = latest != null ? latest.folder() : job.initialRestore();
    List<TaskLocation> placement = current.placement();
    for (Map.Entry<String, List<AttemptTasks.Placed>> e : current.byWorker().entrySet()) {
      PrepareTasks prepare =
          job.prepareTasks(attempt, placement, e.getValue(), checkpointFolder, restore);
      if (!sendTo(e.getKey(), ControlMessage.newBuilder().setPrepareTasks(prepare).build())) {
        current.lost(e.getKey());
        failAttempt("worker " + e.getKey() + " was lost before its tasks were deployed");
        return;
      }
    }
    long deployed = attemptNumber;
    prepareTimeout =
        scheduler.schedule(
            () -> prepareTimedOut(deployed), PREPARE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    LOG.info(
        "job {} ({}) attempt {}: {} tasks on {} workers{}, preparing",
        id,
        name,
        attemptNumber,
        placed.size(),
        current.byWorker().size(),
        restore == null ? "" : ", from " + restore);
  }

  private synchronized void prepareTimedOut(long attempt) {
    if (phase == Phase.PREPARING && current != null && attemptNumber == attempt) {
      failAttempt(
          "workers "
              + current.awaitedWorkers()
              + " did not prepare their tasks within "
              + PREPARE_TIMEOUT.toMinutes()
              + " minutes");
    }
  }

  /** {@code workerId}, known by the connection the answer came on, prepared its tasks. */
  synchronized void onPrepared(String workerId, TasksPrepared prepared) {
    if (phase != Phase.PREPARING || !isCurrent(prepared.getJob()) || !current.awaits(workerId)) {
      return;
    }
    if (!prepared.getFailure().isEmpty()) {
      failAttempt("worker " + workerId + " could not deploy its tasks: " + prepared.getFailure());
      return;
    }
    if (current.prepared(workerId)) {
      prepareTimeout.cancel(false);
      phase = Phase.RUNNING;
      for (String worker : current.byWorker().keySet()) {
        sendTo(
            worker,
            ControlMessage.newBuilder()
                .setStartTasks(StartTasks.newBuilder().setJob(current.attempt()))
                .build());
      }
      if (checkpoints != null) {
        List<RemoteTasks.Participant> participants = remote.participants();
        scheduler.execute(
            () -> {
              checkpoints.setParticipants(participants);
              checkpoints.resume();
            });
      }
      LOG.info("job {} ({}) attempt {}: every task prepared, started", id, name, attemptNumber);
    }
  }

  private boolean isCurrent(JobAttempt job) {
    return current != null && job.getAttempt() == current.attempt().getAttempt();
  }

  /**
   * A task's state, from {@code workerId}: dropped unless of the current attempt and from the
   * worker that runs the task (a stale or misdirected report changes nothing).
   */
  synchronized void onTaskStatus(String workerId, TaskStatus status) {
    if (phase == Phase.ENDED) {
      return;
    }
    keepMetrics(workerId, status.getJob(), status.getUserMetrics());
    if (!isCurrent(status.getJob())) {
      return;
    }
    SubtaskId task = status.getSubtask();
    if (current.taskOn(workerId, task) == null) {
      LOG.warn(
          "job {}: worker {} reported on task {} it does not run; dropped", id, workerId, task);
      return;
    }
    if (!current.report(task, status.getState())) {
      return;
    }
    switch (status.getState()) {
      case TASK_STATE_INPUT_FINISHED -> {
        if (current.allInputFinished() && phase == Phase.RUNNING) {
          finish();
        }
      }
      case TASK_STATE_FAILED ->
          failAttempt(
              status.hasFailureDetail() ? status.getFailureDetail() : null,
              "task "
                  + task.getVertex()
                  + " ("
                  + (task.getSubtask() + 1)
                  + ") failed: "
                  + status.getFailure());
      default -> {}
    }
    attemptEndedIfAllEnded();
  }

  /** {@code workerId} sent what an attempt's user code there counted so far. */
  synchronized void onAttemptMetrics(String workerId, AttemptMetrics metrics) {
    if (phase != Phase.ENDED) {
      keepMetrics(workerId, metrics.getJob(), metrics.getUserMetrics());
    }
  }

  /**
   * Keeps {@code report} as the newest of {@code workerId} in its attempt. Metrics of earlier
   * attempts count too (Beam's attempted metrics include failed attempts); a worker sends its
   * reports one at a time, in the order it took them.
   */
  private void keepMetrics(String workerId, JobAttempt attempt, ByteString report) {
    if (!report.isEmpty() && attempt.getAttempt() <= attemptNumber) {
      userMetrics.put(attempt.getAttempt() + "/" + workerId, report);
    }
  }

  /** A replaying source on {@code workerId} asks whether the rest of the attempt is quiescent. */
  synchronized void onQuiescenceProbe(String workerId, QuiescenceProbe probe) {
    if (phase != Phase.ENDED && isCurrent(probe.getJob())) {
      replay.onProbe(workerId, probe);
    }
  }

  synchronized void onQuiescenceLook(String workerId, QuiescenceLook look) {
    if (phase != Phase.ENDED && isCurrent(look.getJob())) {
      replay.onLook(workerId, look);
    }
  }

  synchronized void onProcessingTimeAdvanced(String workerId, ProcessingTimeAdvanced advanced) {
    if (phase != Phase.ENDED && isCurrent(advanced.getJob())) {
      replay.onProcessingTimeAdvanced(workerId, advanced);
    }
  }

  void onAcknowledge(String workerId, AcknowledgeCheckpoint ack) {
    RemoteTasks.Participant participant;
    TaskStateHandle handle;
    synchronized (this) {
      if (checkpoints == null
          || !isCurrent(ack.getJob())
          || current.taskOn(workerId, ack.getSubtask()) == null) {
        return;
      }
      participant = remote.of(ack.getSubtask());
    }
    try {
      handle = StateHandleCodec.decode(ack.getState());
    } catch (IllegalArgumentException bad) {
      checkpoints.decline(
          ack.getCheckpointId(),
          participant,
          new CheckpointException(
              "worker " + workerId + " sent a bad state handle: " + bad.getMessage()));
      return;
    }
    checkpoints.acknowledge(
        ack.getCheckpointId(), participant, handle, ack.getSyncNanos(), ack.getAsyncNanos());
  }

  void onDecline(String workerId, DeclineCheckpoint decline) {
    RemoteTasks.Participant participant;
    synchronized (this) {
      if (checkpoints == null
          || !isCurrent(decline.getJob())
          || current.taskOn(workerId, decline.getSubtask()) == null) {
        return;
      }
      participant = remote.of(decline.getSubtask());
    }
    checkpoints.decline(
        decline.getCheckpointId(), participant, new CheckpointException(decline.getReason()));
  }

  /**
   * Every task finished its input: with periodic checkpoints, one more lets sinks commit what the
   * last one did not cover; then the tasks may close.
   */
  private void finish() {
    phase = Phase.FINISHING;
    JobAttempt attempt = current.attempt();
    if (checkpoints == null || !checkpoints.config().periodic()) {
      allTasksFinished(attempt);
      return;
    }
    scheduler.execute(
        () ->
            checkpoints
                .trigger(false)
                .whenComplete(
                    (checkpoint, error) -> {
                      synchronized (this) {
                        if (phase != Phase.FINISHING || !isCurrent(attempt)) {
                          return;
                        }
                        if (error != null) {
                          failAttempt("the final checkpoint failed: " + error.getMessage());
                        } else {
                          allTasksFinished(attempt);
                        }
                      }
                    }));
  }

  private void allTasksFinished(JobAttempt attempt) {
    for (String worker : current.byWorker().keySet()) {
      sendTo(
          worker,
          ControlMessage.newBuilder()
              .setAllTasksFinished(AllTasksFinished.newBuilder().setJob(attempt))
              .build());
    }
  }

  synchronized boolean runsOn(String workerId) {
    return current != null && current.runsOn(workerId);
  }

  synchronized void onWorkerLost(String workerId, String why) {
    if (phase == Phase.ENDED || current == null || !current.runsOn(workerId)) {
      return;
    }
    current.lost(workerId);
    failAttempt("worker " + workerId + " was lost: " + why);
    attemptEndedIfAllEnded();
  }

  private void tooManyCheckpointFailures(CheckpointException cause) {
    synchronized (this) {
      failAttempt(cause.getMessage());
    }
  }

  /**
   * What a client asking about the job is told; {@code withMetrics}: with the Beam metrics reported
   * so far (a status request; a list leaves them out).
   */
  synchronized JobInfo info(boolean withMetrics) {
    JobInfo.Builder info =
        JobInfo.newBuilder()
            .setJobId(id)
            .setName(name)
            .setStatus(phase == Phase.ENDED ? endStatus : phase.name())
            .setRestarts(restarts)
            .setCompletedCheckpoints(checkpoints == null ? 0 : checkpoints.stats().completed())
            .setAttempt(attemptNumber);
    if (withMetrics) {
      info.addAllUserMetrics(userMetrics.values());
      if (checkpoints != null) {
        info.setCheckpoints(CheckpointFiguresCodec.encode(checkpoints.stats()));
      }
    }
    return info.build();
  }

  /**
   * Takes a savepoint now; with {@code stop} the sources emit nothing after its barrier and the job
   * ends FINISHED once it completed (if it fails, the sources read on). Completes with the
   * savepoint, or exceptionally with why there is none.
   */
  CompletableFuture<CompletedCheckpoint> savepoint(boolean stop) {
    synchronized (this) {
      String refused =
          checkpoints == null
              ? "job "
                  + id
                  + " ("
                  + name
                  + ") runs without checkpoints: savepoints need --checkpointingInterval and a"
                  + " --checkpointDir every machine shares"
              : phase != Phase.RUNNING
                  ? "job " + id + " is " + phase + ": a savepoint is taken while it runs"
                  : null;
      if (refused != null) {
        return CompletableFuture.failedFuture(new IllegalStateException(refused));
      }
    }
    CompletableFuture<CompletedCheckpoint> savepoint = checkpoints.trigger(true, stop);
    if (stop) {
      savepoint.whenComplete(
          (done, error) -> {
            if (error != null) {
              resumeSources();
            } else {
              stopAfterSavepoint();
            }
          });
    }
    return savepoint;
  }

  private synchronized void resumeSources() {
    if (current == null || phase == Phase.ENDED) {
      return;
    }
    for (String worker : current.byWorker().keySet()) {
      sendTo(
          worker,
          ControlMessage.newBuilder()
              .setResumeSources(ResumeSources.newBuilder().setJob(current.attempt()))
              .build());
    }
  }

  private synchronized void stopAfterSavepoint() {
    if (phase == Phase.ENDED || phase == Phase.CANCELLING) {
      return;
    }
    LOG.info("job {} ({}) stops after its savepoint", id, name);
    stopped = true;
    cancelRequested = true;
    Phase was = phase;
    phase = Phase.CANCELLING;
    cancelTasks(was);
  }

  synchronized void cancel() {
    if (phase == Phase.ENDED || cancelRequested) {
      return;
    }
    cancelRequested = true;
    if (phase == Phase.RESTARTING && current == null) {
      end(); // between attempts: nothing runs
      return;
    }
    Phase was = phase;
    phase = Phase.CANCELLING;
    cancelTasks(was);
  }

  /** Ends the current attempt: restarts the job if allowed, else fails it. */
  private void failAttempt(String why) {
    failAttempt(null, why);
  }

  private void failAttempt(Failure detail, String why) {
    if (current == null
        || phase == Phase.ENDED
        || phase == Phase.CANCELLING
        || (phase == Phase.RESTARTING && current != null)) {
      return;
    }
    Phase was = phase;
    lastAttemptFailure = why;
    lastAttemptFailureDetail = detail;
    if (checkpoints != null) {
      scheduler.execute(() -> checkpoints.suspend(why));
    }
    if (!cancelRequested && settings.restartStrategy().allowsRestart(restarts)) {
      LOG.warn(
          "job {} ({}) attempt {} fails: {}; restarting from its latest checkpoint",
          id,
          name,
          attemptNumber,
          why);
      phase = Phase.RESTARTING;
    } else {
      LOG.warn("job {} ({}) fails: {}", id, name, why);
      failure = why;
      phase = Phase.CANCELLING;
    }
    cancelTasks(was);
  }

  private void cancelTasks(Phase was) {
    for (String worker : current.byWorker().keySet()) {
      sendTo(
          worker,
          ControlMessage.newBuilder()
              .setCancelJob(CancelJob.newBuilder().setJob(current.attempt()))
              .build());
    }
    if (was == Phase.PREPARING) {
      // Prepared tasks that never started are discarded without a word: nothing to wait for.
      attemptEnded();
    } else {
      attemptEndedIfAllEnded();
    }
  }

  private void attemptEndedIfAllEnded() {
    if (current == null
        || phase == Phase.PREPARING
        || phase == Phase.ENDED
        || !current.allEnded()) {
      return;
    }
    if ((phase == Phase.RUNNING || phase == Phase.FINISHING) && !current.allFinished()) {
      // Ended without being asked to, and not all of them done: a worker cancelled them.
      failAttempt("tasks of attempt " + attemptNumber + " ended before the job was done");
      return;
    }
    attemptEnded();
  }

  private void attemptEnded() {
    AttemptTasks ended = current;
    current = null;
    slots.release(ended.slotsByWorker());
    switch (phase) {
      case RESTARTING -> {
        restarts++;
        Duration delay = settings.restartStrategy().delayBefore(restarts);
        scheduler.schedule(this::redeploy, delay.toMillis(), TimeUnit.MILLISECONDS);
      }
      default -> end();
    }
  }

  /** The next attempt, once enough slots are free (retried until {@link #SLOT_WAIT}). Scheduler. */
  private synchronized void redeploy() {
    if (phase != Phase.RESTARTING) {
      return;
    }
    List<RegisteredWorker> placed;
    try {
      placed = slots.take(slotsNeeded());
    } catch (SlotPlacement.NotEnoughSlotsException e) {
      if (slotWaitStartNanos < 0) {
        slotWaitStartNanos = System.nanoTime();
      }
      if (System.nanoTime() - slotWaitStartNanos > SLOT_WAIT.toNanos()) {
        failure =
            lastAttemptFailure
                + "; no restart within "
                + SLOT_WAIT.toSeconds()
                + " s: "
                + e.getMessage();
        end();
      } else {
        scheduler.schedule(this::redeploy, 500, TimeUnit.MILLISECONDS);
      }
      return;
    }
    slotWaitStartNanos = -1;
    deploy(placed);
  }

  private void end() {
    phase = Phase.ENDED;
    endStatus = failure != null ? "FAILED" : cancelRequested && !stopped ? "CANCELED" : "FINISHED";
    LOG.info("job {} ({}) ended {} after {} restarts", id, name, endStatus, restarts);
    if (checkpoints != null) {
      scheduler.execute(checkpoints::close);
    }
    JobEnded.Builder ended =
        JobEnded.newBuilder()
            .setJobId(id)
            .setStatus(endStatus)
            .setRestarts(restarts)
            .addAllUserMetrics(userMetrics.values());
    if (failure != null) {
      ended.setFailure(failure);
      if (lastAttemptFailureDetail != null) {
        ended.setFailureDetail(lastAttemptFailureDetail);
      }
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
