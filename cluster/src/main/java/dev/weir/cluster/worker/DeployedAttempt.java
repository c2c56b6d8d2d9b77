package dev.weir.cluster.worker;

import com.google.protobuf.ByteString;
import dev.weir.cluster.exchange.AttemptExchange;
import dev.weir.cluster.exchange.DataPlane;
import dev.weir.cluster.job.FailureCodec;
import dev.weir.cluster.job.JobSettingsCodec;
import dev.weir.cluster.job.StateHandleCodec;
import dev.weir.cluster.protocol.v1.AcknowledgeCheckpoint;
import dev.weir.cluster.protocol.v1.AttemptMetrics;
import dev.weir.cluster.protocol.v1.ControlMessage;
import dev.weir.cluster.protocol.v1.DeclineCheckpoint;
import dev.weir.cluster.protocol.v1.JobAttempt;
import dev.weir.cluster.protocol.v1.PrepareTasks;
import dev.weir.cluster.protocol.v1.ProcessingTimeAdvanced;
import dev.weir.cluster.protocol.v1.QuiescenceLook;
import dev.weir.cluster.protocol.v1.QuiescenceQuery;
import dev.weir.cluster.protocol.v1.QuiescenceResult;
import dev.weir.cluster.protocol.v1.RunningTask;
import dev.weir.cluster.protocol.v1.SubtaskId;
import dev.weir.cluster.protocol.v1.TaskLocation;
import dev.weir.cluster.protocol.v1.TaskState;
import dev.weir.cluster.protocol.v1.TaskStatus;
import dev.weir.cluster.transport.WorkerAddress;
import dev.weir.cluster.usercode.JarStore;
import dev.weir.engine.checkpoint.CheckpointParticipant;
import dev.weir.engine.checkpoint.CheckpointResponder;
import dev.weir.engine.checkpoint.CheckpointStorage;
import dev.weir.engine.checkpoint.CompletedCheckpoint;
import dev.weir.engine.checkpoint.FaultInjector;
import dev.weir.engine.checkpoint.TaskCheckpointContext;
import dev.weir.engine.checkpoint.TaskStateHandle;
import dev.weir.engine.cluster.EngineConfig;
import dev.weir.engine.cluster.TaskDeployer;
import dev.weir.engine.exchange.ExchangeEvent.CheckpointBarrier;
import dev.weir.engine.graph.JobGraph;
import dev.weir.engine.graph.JobGraphCodec;
import dev.weir.engine.graph.JobGraphValidator;
import dev.weir.engine.graph.JobVertex;
import dev.weir.engine.lifecycle.DaemonThreads;
import dev.weir.engine.metrics.UserMetrics;
import dev.weir.engine.task.Task;
import dev.weir.engine.task.TaskListener;
import dev.weir.engine.time.ManualClock;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tasks of one attempt of a job that run on this worker: deployed from the coordinator's {@link
 * PrepareTasks} (the graph decoded in a class loader of the job's own jars, the tasks placed
 * elsewhere reached over the data plane), started on its {@code StartTasks}, and reported as they
 * finish their input and end. When its last task ended it releases its partitions and closes its
 * class loader, so nothing of the job stays reachable on the worker.
 *
 * <p>Threads: prepared on the worker's deploy thread; {@link #start}, {@link #allTasksFinished} and
 * {@link #cancel} from the control connection's event loop; the {@link TaskListener} methods from
 * task threads. State under the object's monitor.
 */
final class DeployedAttempt implements TaskListener {

  private static final Logger LOG = LoggerFactory.getLogger(DeployedAttempt.class);

  private final JobAttempt job;
  private final String jobName;
  private final WorkerJobs worker;
  private final URLClassLoader userCode;
  private final AttemptExchange exchange;
  private final Map<Task, SubtaskId> ids = new HashMap<>();
  private final Object reporting = new Object();
  private ExecutorService snapshotWriters;
  private List<Task> tasks = List.of();
  private UserMetrics userMetrics;
  private final AttemptQuiescence quiescence;

  /** The job's manual clock here, or null on the wall clock. */
  private volatile ManualClock clock;

  /** The newest processing time another worker told this one of: not sent back. */
  private final AtomicLong remoteTime = new AtomicLong(Long.MIN_VALUE);

  private int ended;
  private boolean started;
  private volatile boolean allFinished;

  private DeployedAttempt(
      JobAttempt job,
      String jobName,
      WorkerJobs worker,
      URLClassLoader userCode,
      AttemptExchange exchange) {
    this.job = job;
    this.jobName = jobName;
    this.worker = worker;
    this.userCode = userCode;
    this.exchange = exchange;
    this.quiescence = new AttemptQuiescence(job, worker::send);
  }

  /** Deploys the tasks {@code request} places on worker {@code workerId}, not yet started. */
  static DeployedAttempt prepare(
      PrepareTasks request,
      String workerId,
      DataPlane dataPlane,
      JarStore jars,
      EngineConfig config,
      WorkerJobs worker)
      throws Exception {
    List<URL> urls = new ArrayList<>();
    for (String sha : request.getJarSha256List()) {
      urls.add(jars.path(sha).toUri().toURL());
    }
    JobAttempt job = request.getJob();
    URLClassLoader userCode =
        new URLClassLoader(
            "weir-job-" + job.getJobId(),
            urls.toArray(new URL[0]),
            DeployedAttempt.class.getClassLoader());
    Map<String, WorkerAddress> addresses = new HashMap<>();
    Map<String, String> workers = new HashMap<>();
    for (TaskLocation l : request.getPlacementList()) {
      String task = taskKey(l.getTask().getVertex(), l.getTask().getSubtask());
      addresses.put(task, new WorkerAddress(l.getDataHost(), l.getDataPort()));
      workers.put(task, l.getWorkerId());
    }
    AttemptExchange exchange =
        new AttemptExchange(
            dataPlane,
            job.getJobId(),
            job.getAttempt(),
            (head, subtask) -> {
              WorkerAddress a = addresses.get(taskKey(head.name(), subtask));
              if (a == null) {
                throw new IllegalStateException(
                    "the placement names no worker for " + head.name() + " " + subtask);
              }
              return a;
            });
    EngineConfig settings =
        request.hasSettings() ? JobSettingsCodec.decode(request.getSettings()) : config;
    DeployedAttempt attempt =
        new DeployedAttempt(job, request.getJobName(), worker, userCode, exchange);
    TaskCheckpointContext checkpoints = null;
    if (settings.checkpoints() != null && !request.getCheckpointFolder().isEmpty()) {
      checkpoints = attempt.checkpointContext(Path.of(request.getCheckpointFolder()));
    }
    CompletedCheckpoint restore =
        request.getRestorePath().isEmpty()
            ? null
            : CheckpointStorage.loadPath(Path.of(request.getRestorePath()));
    Thread current = Thread.currentThread();
    ClassLoader previous = current.getContextClassLoader();
    current.setContextClassLoader(userCode);
    try {
      JobGraph graph = JobGraphCodec.decode(request.getJobGraph().toByteArray(), userCode);
      List<JobVertex> order = JobGraphValidator.validate(graph);
      for (JobVertex head : TaskDeployer.chainHeads(order)) {
        for (int i = 0; i < head.parallelism(); i++) {
          if (!addresses.containsKey(taskKey(head.name(), i))) {
            throw new IllegalArgumentException(
                "the placement has no worker for task " + head.name() + " " + (i + 1));
          }
        }
      }
      TaskDeployer deployer =
          new TaskDeployer(
              graph,
              settings,
              attempt,
              restore,
              checkpoints,
              (head, subtask) -> workerId.equals(workers.get(taskKey(head.name(), subtask))),
              exchange);
      attempt.shareClock(deployer.manualClock());
      List<Task> deployed = deployer.deploy(order);
      // Tasks are deployed head by head, subtask by subtask: name them in that order.
      List<SubtaskId> local = new ArrayList<>();
      for (JobVertex head : TaskDeployer.chainHeads(order)) {
        for (int i = 0; i < head.parallelism(); i++) {
          if (workerId.equals(workers.get(taskKey(head.name(), i)))) {
            local.add(SubtaskId.newBuilder().setVertex(head.name()).setSubtask(i).build());
          }
        }
      }
      attempt.bind(deployed, local, request.getSubtasksList(), graph.userMetrics());
      return attempt;
    } catch (Exception | LinkageError e) {
      attempt.release();
      throw e;
    } finally {
      current.setContextClassLoader(previous);
    }
  }

  private static String taskKey(String head, int subtask) {
    return head + "\u0000" + subtask;
  }

  /** Names the deployed tasks, checking they are the ones the coordinator placed here. */
  private synchronized void bind(
      List<Task> deployed,
      List<SubtaskId> local,
      List<SubtaskId> expected,
      UserMetrics userMetrics) {
    if (deployed.size() != local.size()
        || !new java.util.HashSet<>(local).equals(new java.util.HashSet<>(expected))) {
      for (Task t : deployed) {
        t.discard();
      }
      throw new IllegalStateException(
          "deployed "
              + deployed.size()
              + " tasks where the coordinator placed "
              + expected.size()
              + " on this worker");
    }
    for (int i = 0; i < deployed.size(); i++) {
      ids.put(deployed.get(i), local.get(i));
    }
    tasks = List.copyOf(deployed);
    this.userMetrics = userMetrics;
  }

  JobAttempt job() {
    return job;
  }

  /**
   * How this attempt's tasks take part in checkpoints: their state files go to the job's folder of
   * checkpoints (shared with the coordinator and the other workers), written by two threads of the
   * attempt; acknowledgements and declines go to the coordinator.
   */
  private synchronized TaskCheckpointContext checkpointContext(Path folder) {
    snapshotWriters =
        Executors.newFixedThreadPool(
            2, DaemonThreads.named("weir[" + jobName + "] snapshot writer"));
    return new TaskCheckpointContext(
        new CheckpointStorage(folder), snapshotWriters, new Responder(), FaultInjector.NONE);
  }

  /** Reports tasks' parts of checkpoints to the coordinator. Snapshot writer threads. */
  private final class Responder implements CheckpointResponder {
    @Override
    public void acknowledge(
        long checkpointId,
        CheckpointParticipant task,
        TaskStateHandle handle,
        long syncNanos,
        long asyncNanos) {
      SubtaskId id = idOf(task);
      if (id != null) {
        worker.send(
            ControlMessage.newBuilder()
                .setAcknowledgeCheckpoint(
                    AcknowledgeCheckpoint.newBuilder()
                        .setJob(job)
                        .setCheckpointId(checkpointId)
                        .setSubtask(id)
                        .setState(StateHandleCodec.encode(handle))
                        .setSyncNanos(syncNanos)
                        .setAsyncNanos(asyncNanos))
                .build());
      }
    }

    @Override
    public void decline(long checkpointId, CheckpointParticipant task, Throwable cause) {
      SubtaskId id = idOf(task);
      if (id != null) {
        worker.send(
            ControlMessage.newBuilder()
                .setDeclineCheckpoint(
                    DeclineCheckpoint.newBuilder()
                        .setJob(job)
                        .setCheckpointId(checkpointId)
                        .setSubtask(id)
                        .setReason(task.name() + " declined it: " + cause))
                .build());
      }
    }
  }

  private synchronized SubtaskId idOf(CheckpointParticipant task) {
    return task instanceof Task t ? ids.get(t) : null;
  }

  /** The coordinator starts checkpoint {@code barrier} for every task of the attempt here. */
  void triggerCheckpoint(CheckpointBarrier barrier) {
    for (Task t : tasks()) {
      t.triggerCheckpoint(barrier);
    }
  }

  void notifyCheckpointComplete(long checkpointId) {
    for (Task t : tasks()) {
      t.notifyCheckpointComplete(checkpointId);
    }
  }

  void abortCheckpoint(long checkpointId, String reason) {
    for (Task t : tasks()) {
      t.abortCheckpoint(checkpointId, reason);
    }
  }

  /** The attempt's tasks here. Any thread. */
  synchronized List<Task> tasks() {
    return tasks;
  }

  synchronized List<RunningTask> running() {
    List<RunningTask> running = new ArrayList<>();
    if (started) {
      for (SubtaskId id : ids.values()) {
        running.add(RunningTask.newBuilder().setJob(job).setSubtask(id).build());
      }
    }
    return running;
  }

  /**
   * Requests the channels from other workers (every worker prepared, so their partitions are
   * registered) and starts a thread per task, in the job's class loader. May block while
   * connecting: not on an event loop.
   */
  void start() throws InterruptedException {
    synchronized (this) {
      if (started) {
        return;
      }
    }
    exchange.requestChannels();
    List<Thread> threads = new ArrayList<>();
    synchronized (this) {
      if (started) {
        return;
      }
      started = true;
      for (Task t : tasks) {
        Thread thread = t.prepareThread("weir[" + jobName + "] " + t.name());
        thread.setContextClassLoader(userCode);
        threads.add(thread);
      }
    }
    if (threads.isEmpty()) {
      release();
    }
    for (Thread t : threads) {
      t.start();
    }
  }

  /** The coordinator says every task of the attempt finished its input: tasks here may end. */
  void onAllTasksFinished() {
    allFinished = true;
    List<Task> all;
    synchronized (this) {
      all = tasks;
    }
    for (Task t : all) {
      t.waker().signal();
    }
  }

  /**
   * Cancels the tasks. Tasks not started yet are discarded and reported cancelled at once: the
   * coordinator may have sent the start already (this worker was still requesting its channels),
   * and waits for every task's end.
   */
  /**
   * Stops the attempt's tasks: each finishes the record it is processing, and is interrupted after
   * {@link Task#INTERRUPT_GRACE} if its code blocks (as the embedded engine stops them).
   */
  void cancel(String why) {
    stop(why, true);
  }

  /**
   * Stops the attempt's tasks at once (interrupting them): the worker lost its coordinator, and a
   * sink must not write one more record for a job that may run elsewhere already.
   */
  void fence(String why) {
    stop(why, false);
  }

  private void stop(String why, boolean gracefully) {
    List<Task> all;
    boolean wasStarted;
    synchronized (this) {
      all = tasks;
      wasStarted = started;
      started = true;
    }
    LOG.info("cancelling {} tasks of {}: {}", all.size(), WorkerJobs.key(job), why);
    if (!wasStarted) {
      for (Task t : all) {
        t.discard();
        report(t, TaskState.TASK_STATE_CANCELED, null);
      }
      release();
      return;
    }
    if (!gracefully) {
      all.forEach(Task::cancel);
      return;
    }
    all.forEach(Task::cancelGracefully);
    CompletableFuture.runAsync(
        () -> all.forEach(Task::interruptIfRunning),
        CompletableFuture.delayedExecutor(Task.INTERRUPT_GRACE.toMillis(), TimeUnit.MILLISECONDS));
  }

  // ---- TaskListener: task threads ----

  @Override
  public void taskFinished(Task task) {
    report(task, TaskState.TASK_STATE_INPUT_FINISHED, null);
  }

  @Override
  public boolean allTasksFinished() {
    return allFinished;
  }

  /** Asks the coordinator, which looks at every worker: see {@link AttemptQuiescence}. */
  @Override
  public boolean othersQuiescent(Task self) {
    SubtaskId id;
    synchronized (this) {
      id = ids.get(self);
    }
    return id != null && quiescence.ask(id);
  }

  // ---- a job on a manual clock, and quiescence: event loop ----

  /** Moves the job's processing time on the other workers when a task here moves it. */
  private void shareClock(ManualClock manualClock) {
    if (manualClock == null) {
      return;
    }
    clock = manualClock;
    manualClock.addListener(
        () -> {
          long now = manualClock.currentTimeMillis();
          if (now > remoteTime.get()) {
            worker.send(
                ControlMessage.newBuilder()
                    .setProcessingTimeAdvanced(
                        ProcessingTimeAdvanced.newBuilder().setJob(job).setMillis(now))
                    .build());
          }
        });
  }

  /** Another worker moved the job's processing time. */
  void onProcessingTimeAdvanced(long millis) {
    ManualClock c = clock;
    if (c != null) {
      remoteTime.accumulateAndGet(millis, Math::max);
      c.advanceTo(millis);
    }
  }

  /**
   * This worker's look at the attempt for a quiescence check: its tasks but the asker idle (and how
   * often they woke), and what its exchange with other workers holds.
   */
  QuiescenceLook look(QuiescenceQuery query) {
    boolean idle = true;
    long wakeups = 0;
    for (Map.Entry<Task, SubtaskId> e : taskIds().entrySet()) {
      if (!e.getValue().equals(query.getAsker())) {
        Task t = e.getKey();
        wakeups += t.idleWakeups();
        idle &= t.isIdle();
      }
    }
    AttemptExchange.Look exchangeLook = exchange.look();
    return QuiescenceLook.newBuilder()
        .setJob(job)
        .setProbe(query.getProbe())
        .setRound(query.getRound())
        .setIdle(idle && exchangeLook.drained())
        .setWakeups(wakeups)
        .setSent(exchangeLook.sent())
        .setReceived(exchangeLook.received())
        .build();
  }

  /**
   * Sends the coordinator what the attempt's user code here counted so far, while its tasks run
   * (task statuses carry the figures at each change; this keeps a running job's figures fresh). The
   * worker's metrics thread.
   */
  void reportMetrics() {
    UserMetrics metrics;
    synchronized (this) {
      if (!started || ended == tasks.size()) {
        return;
      }
      metrics = userMetrics;
    }
    if (metrics == null) {
      return;
    }
    synchronized (reporting) {
      ByteString report;
      try {
        report = ByteString.copyFrom(metrics.report());
      } catch (RuntimeException | LinkageError e) {
        LOG.warn("job {}: cannot report its metrics: {}", jobName, e.toString());
        return;
      }
      worker.send(
          ControlMessage.newBuilder()
              .setAttemptMetrics(AttemptMetrics.newBuilder().setJob(job).setUserMetrics(report))
              .build());
    }
  }

  /** A stop-with-savepoint failed: the sources that stopped at its barrier read on. */
  void resumeSources() {
    for (Task t : tasks()) {
      t.resumeSource();
    }
  }

  void onQuiescenceResult(QuiescenceResult result) {
    quiescence.onResult(result);
  }

  private synchronized Map<Task, SubtaskId> taskIds() {
    return new HashMap<>(ids);
  }

  @Override
  public void taskEnded(Task task, Throwable failure) {
    TaskState state =
        failure != null
            ? TaskState.TASK_STATE_FAILED
            : task.finishedNormally()
                ? TaskState.TASK_STATE_FINISHED
                : TaskState.TASK_STATE_CANCELED;
    report(task, state, failure);
    boolean last;
    synchronized (this) {
      last = ++ended == tasks.size();
    }
    if (last) {
      release();
    }
  }

  /**
   * Tells the coordinator of a task's state, with what the attempt's user code here counted so far.
   * One report at a time, so the coordinator receives the metrics in the order they were taken and
   * keeps the newest.
   */
  private void report(Task task, TaskState state, Throwable failure) {
    SubtaskId id;
    UserMetrics metrics;
    synchronized (this) {
      id = ids.get(task);
      metrics = userMetrics;
    }
    TaskStatus.Builder status = TaskStatus.newBuilder().setJob(job).setSubtask(id).setState(state);
    if (failure != null) {
      status.setFailure(failure.toString()).setFailureDetail(FailureCodec.encode(failure));
    }
    synchronized (reporting) {
      if (metrics != null) {
        try {
          status.setUserMetrics(ByteString.copyFrom(metrics.report()));
        } catch (RuntimeException | LinkageError e) {
          LOG.warn("job {}: cannot report its metrics: {}", jobName, e.toString());
        }
      }
      worker.send(ControlMessage.newBuilder().setTaskStatus(status).build());
    }
  }

  private void release() {
    exchange.release();
    ExecutorService writers;
    synchronized (this) {
      writers = snapshotWriters;
    }
    if (writers != null) {
      writers.shutdown();
      try {
        // A write in flight finishes (or fails) before the job's code goes away.
        writers.awaitTermination(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    closeQuietly(userCode);
    worker.ended(this);
  }

  private static void closeQuietly(URLClassLoader loader) {
    try {
      loader.close();
    } catch (IOException e) {
      LOG.warn("cannot close the class loader of a job: {}", e.toString());
    }
  }
}
