package dev.weir.engine.cluster;

import dev.weir.engine.checkpoint.CheckpointCoordinator;
import dev.weir.engine.checkpoint.CheckpointStats;
import dev.weir.engine.checkpoint.CompletedCheckpoint;
import dev.weir.engine.checkpoint.TaskCheckpointContext;
import dev.weir.engine.task.Task;
import dev.weir.engine.task.TaskListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running job in this JVM: its tasks and threads, its status, its checkpoints, and what a task
 * failure does: with restarts left, every task is stopped and the job is deployed again from the
 * latest completed checkpoint; otherwise the first failure fails the whole job (every other task is
 * cancelled, the original exception is the cause).
 *
 * <p>Threads: task threads report through the {@link TaskListener} methods, clients call the {@link
 * JobClient} methods from any thread, restarts run on the job's own restart thread. The fields
 * below the constructor's are guarded by this object's monitor; calls out of it (to tasks, the
 * coordinator, futures) happen after it is released.
 */
final class JobExecution implements JobClient, TaskListener {

  private static final Logger LOG = LoggerFactory.getLogger(JobExecution.class);

  /** Creates the tasks of one deployment of the job. */
  interface Deployer {
    List<Task> deploy(CompletedCheckpoint restore, TaskCheckpointContext checkpoints)
        throws Exception;
  }

  private final String jobName;
  private final long startNanos = System.nanoTime();
  private final CompletableFuture<JobResult> completion = new CompletableFuture<>();
  private final Runnable onEnd;
  private final Deployer deployer;
  private final RestartStrategy restartStrategy;
  private final RestartBackoff backoff;
  private final CheckpointCoordinator coordinator;
  private final JobCheckpoints checkpoints;

  /** The job's own thread for restarts: waits out the delay, restores and deploys again. */
  private final ScheduledExecutorService restarter;

  private volatile Thread restarterThread;

  /**
   * Where the job started from (a savepoint), used by a restart before the first checkpoint
   * completed.
   */
  private final CompletedCheckpoint initialRestore;

  private final List<Thread> threads = new ArrayList<>();

  /** Threads of tasks that did not stop when cancelled: the job ended without them. */
  private final List<Thread> abandoned = new ArrayList<>();

  /** Ends the job when cancelled tasks do not stop: they must not keep it CANCELLING for ever. */
  private final CancellationWatchdog watchdog;

  /** Why a cancelled job could not stop all its threads; reported with its CANCELED result. */
  private Throwable cancelProblem;

  private List<Task> tasks = new ArrayList<>();
  private JobStatus status = JobStatus.RUNNING;
  private Throwable failure;
  private int running;
  private int finishedInput;
  private int restarts;
  private Duration restartDelay = Duration.ZERO;

  /** The failure the pending restart is for. */
  private Throwable restartCause;

  private boolean stopped;
  private volatile boolean allFinished;

  JobExecution(
      String jobName,
      Runnable onEnd,
      Deployer deployer,
      EngineConfig config,
      CheckpointCoordinator coordinator,
      CompletedCheckpoint initialRestore) {
    this.jobName = jobName;
    this.onEnd = onEnd;
    this.deployer = deployer;
    this.restartStrategy = config.restartStrategy();
    this.coordinator = coordinator;
    this.initialRestore = initialRestore;
    this.checkpoints = new JobCheckpoints(jobName, coordinator, config.faults());
    this.backoff = new RestartBackoff(restartStrategy, checkpoints::completed);
    this.restarter =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "weir[" + jobName + "] restarts");
              t.setDaemon(true);
              restarterThread = t;
              return t;
            });
    this.watchdog =
        new CancellationWatchdog(
            jobName, config.taskCancellationTimeout(), restarter, this::tasksDidNotStop);
    if (coordinator != null) {
      coordinator.restoredFrom(initialRestore);
      coordinator.onTooManyFailures(this::failOver);
    }
  }

  TaskCheckpointContext checkpointContext() {
    return checkpoints.taskContext();
  }

  /** Starts a thread per task of the first deployment. */
  void start(List<Task> deployed) {
    startTasks(deployed);
    if (coordinator != null) {
      coordinator.start();
    }
  }

  private void startTasks(List<Task> deployed) {
    backoff.deployed();
    synchronized (this) {
      tasks = new ArrayList<>(deployed);
      running = deployed.size();
      finishedInput = 0;
      allFinished = false;
    }
    if (coordinator != null) {
      coordinator.setParticipants(deployed);
      coordinator.resume();
    }
    if (deployed.isEmpty()) {
      end();
      return;
    }
    // Every thread is known before any starts: the last task may end before the loop would be done.
    List<Thread> created = new ArrayList<>();
    for (Task t : deployed) {
      created.add(t.prepareThread("weir[" + jobName + "] " + t.name()));
    }
    synchronized (this) {
      threads.clear();
      threads.addAll(created);
    }
    for (Thread t : created) {
      t.start();
    }
  }

  @Override
  public String jobName() {
    return jobName;
  }

  @Override
  public synchronized JobStatus status() {
    return status;
  }

  /** The tasks of the current deployment; for tests and diagnostics. */
  synchronized List<Task> tasks() {
    return new ArrayList<>(tasks);
  }

  @Override
  public void taskFinished(Task task) {
    boolean last;
    synchronized (this) {
      if (!tasks.contains(task)) {
        return;
      }
      last = ++finishedInput == tasks.size();
    }
    if (last) {
      if (checkpoints.takesFinalCheckpoint()) {
        takeFinalCheckpoint();
      } else {
        releaseFinishedTasks();
      }
    }
  }

  /** Operators close once a last checkpoint committed what they did since the one before. */
  private void takeFinalCheckpoint() {
    List<Task> current;
    synchronized (this) {
      current = tasks;
    }
    checkpoints.takeFinal(
        () -> {
          synchronized (this) {
            return tasks == current && status == JobStatus.RUNNING;
          }
        },
        this::releaseFinishedTasks,
        failure -> current.get(0).failExternally(failure));
  }

  private void releaseFinishedTasks() {
    List<Task> toWake;
    synchronized (this) {
      allFinished = true;
      toWake = new ArrayList<>(tasks);
    }
    for (Task t : toWake) {
      t.waker().signal();
    }
  }

  @Override
  public boolean othersQuiescent(Task self) {
    List<Task> all;
    synchronized (this) {
      all = new ArrayList<>(tasks);
    }
    return Quiescence.othersQuiescent(all, self);
  }

  /**
   * Fails the running deployment as a failing task would (checkpoints kept failing): the job
   * restarts if it may, else fails with {@code cause}.
   */
  private void failOver(Throwable cause) {
    List<Task> current;
    synchronized (this) {
      if (status != JobStatus.RUNNING) {
        return;
      }
      current = new ArrayList<>(tasks);
    }
    for (Task t : current) {
      if (t.failExternally(cause)) {
        return;
      }
    }
  }

  @Override
  public boolean allTasksFinished() {
    return allFinished;
  }

  @Override
  public void taskEnded(Task task, Throwable taskFailure) {
    boolean last;
    boolean restart = false;
    List<Task> toCancel = List.of();
    List<Task> deployment = null;
    // Before taking the monitor: the back-off asks the coordinator for its figures.
    boolean ranStably = taskFailure != null && backoff.ranStably();
    synchronized (this) {
      if (!tasks.contains(task)) {
        return;
      }
      if (taskFailure != null && status == JobStatus.RUNNING) {
        if (restartStrategy.allowsRestart(restarts)) {
          status = JobStatus.RESTARTING;
          Duration delay = backoff.afterFailure(ranStably);
          restartDelay = delay;
          restartCause = taskFailure;
          LOG.warn(
              "job '{}': task {} failed ({}); restarting the job from its latest checkpoint in {} ms"
                  + " (restart {}; {})",
              jobName,
              task.name(),
              taskFailure.toString(),
              delay.toMillis(),
              restarts + 1,
              restartStrategy,
              taskFailure); // the stack too: the user's code may be at fault
        } else {
          failure = taskFailure;
          status = JobStatus.FAILING;
        }
        toCancel = new ArrayList<>(tasks);
        deployment = tasks;
      }
      last = --running == 0;
      restart = last && status == JobStatus.RESTARTING;
    }
    if (!toCancel.isEmpty() && coordinator != null) {
      coordinator.suspend("task " + task.name() + " failed");
    }
    List<Task> others = new ArrayList<>();
    for (Task t : toCancel) {
      if (t != task) {
        others.add(t);
      }
    }
    stopGracefully(others);
    if (deployment != null && !last) {
      watchdog.watch(deployment);
    }
    if (restart) {
      scheduleRestart(pendingRestartDelay());
    } else if (last) {
      end();
    }
  }

  /**
   * Deploys the job again from the latest usable checkpoint, once every task of the failed
   * deployment has ended.
   */
  private void restart() {
    synchronized (this) {
      if (status == JobStatus.RESTARTING) {
        restarts++;
      }
    }
    if (status() != JobStatus.RESTARTING) {
      end(); // cancelled while waiting for the restart
      return;
    }
    List<Task> deployed;
    CompletedCheckpoint restore = initialRestore;
    try {
      if (coordinator != null) {
        CompletedCheckpoint completed = coordinator.latestCompleted();
        if (completed != null) {
          // The one the coordinator completed, not merely the newest folder: a newer one may be
          // an aborted checkpoint whose deletion is still queued.
          CompletedCheckpoint latest =
              coordinator
                  .storage()
                  .latestUpTo(completed.id(), coordinator.config().fallBackToOlder());
          if (latest != null) {
            restore = latest;
          }
        }
        coordinator.restoredFrom(restore);
      }
      deployed = deployer.deploy(restore, checkpoints.taskContext());
    } catch (Throwable e) {
      restartFailed(e);
      return;
    }
    LOG.info(
        "job '{}': restarted from {}",
        jobName,
        restore == null ? "the beginning (no checkpoint yet)" : restore);
    synchronized (this) {
      if (status != JobStatus.RESTARTING) {
        end();
        return;
      }
      status = JobStatus.RUNNING;
    }
    startTasks(deployed);
  }

  /**
   * Restoring or deploying failed: that was one restart attempt. What it created is closed already
   * (the deployer cleans up after itself); the next attempt follows after a longer delay, unless
   * the attempts are used up or the job was cancelled meanwhile.
   */
  private void restartFailed(Throwable e) {
    Duration delay = null;
    synchronized (this) {
      if (status == JobStatus.RESTARTING) {
        if (restartStrategy.allowsRestart(restarts)) {
          delay = backoff.afterFailedRestart();
        } else {
          failure = e;
          status = JobStatus.FAILING;
        }
      }
    }
    if (delay != null) {
      LOG.warn(
          "job '{}': restart {} failed ({}); trying again in {} ms ({})",
          jobName,
          restarts(),
          e.toString(),
          delay.toMillis(),
          restartStrategy);
      scheduleRestart(delay);
      return;
    }
    LOG.error("job '{}' cannot restart: {}", jobName, e.getMessage());
    end();
  }

  private void scheduleRestart(Duration delay) {
    try {
      restarter.schedule(this::restart, delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      end(); // the job ended meanwhile (cancelled); end() is idempotent
    }
  }

  private synchronized Duration pendingRestartDelay() {
    return restartDelay;
  }

  /** The delay before the latest restart (for tests and diagnostics), or {@code null}. */
  Duration lastRestartDelay() {
    return backoff.lastDelay();
  }

  private void end() {
    JobResult result;
    synchronized (this) {
      if (status.isTerminal()) {
        return;
      }
      status =
          failure != null
              ? JobStatus.FAILED
              : stopped
                  ? JobStatus.FINISHED
                  : status == JobStatus.CANCELLING ? JobStatus.CANCELED : JobStatus.FINISHED;
      result =
          new JobResult(
              jobName,
              status,
              Duration.ofNanos(System.nanoTime() - startNanos),
              failure != null ? failure : cancelProblem);
    }
    checkpoints.close();
    restarter.shutdownNow(); // its thread may be the one running this: it ends once it returns
    onEnd.run();
    completion.complete(result);
  }

  @Override
  public void cancel() {
    cancel(false);
  }

  /**
   * Stops every task; with {@code afterMails} each runs the mails it accepted first (after a
   * stop-with-savepoint: its completion commits what the savepoint covers).
   */
  private void cancel(boolean afterMails) {
    List<Task> toCancel;
    List<Task> deployment;
    boolean waitingToRestart;
    synchronized (this) {
      if (status != JobStatus.RUNNING && status != JobStatus.RESTARTING) {
        return;
      }
      waitingToRestart = status == JobStatus.RESTARTING && running == 0;
      status = JobStatus.CANCELLING;
      toCancel = new ArrayList<>(tasks);
      deployment = tasks;
    }
    if (coordinator != null) {
      coordinator.suspend("the job is cancelled");
    }
    if (afterMails) {
      for (Task t : toCancel) {
        t.cancelAfterMails();
      }
    } else {
      stopGracefully(toCancel);
    }
    if (waitingToRestart) {
      end();
    } else {
      watchdog.watch(deployment);
    }
  }

  /**
   * Stops {@code stopping}: each finishes the record it is processing, and a thread still in its
   * loop after {@link Task#INTERRUPT_GRACE} (user code that blocks) is interrupted.
   */
  private void stopGracefully(List<Task> stopping) {
    if (stopping.isEmpty()) {
      return;
    }
    for (Task t : stopping) {
      t.cancelGracefully();
    }
    List<Task> toInterrupt = List.copyOf(stopping);
    try {
      restarter.schedule(
          () -> toInterrupt.forEach(Task::interruptIfRunning),
          Task.INTERRUPT_GRACE.toMillis(),
          TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException ended) {
      toInterrupt.forEach(Task::interruptIfRunning); // the job's scheduler stopped: at once
    }
  }

  /**
   * Tasks of {@code deployment} did not stop in time after their cancel: the job ends without them
   * (CANCELED after a cancel, with {@code error} in its result; else FAILED with it).
   */
  private void tasksDidNotStop(
      List<Task> deployment, List<Task> stuck, TaskCancellationTimeoutException error) {
    synchronized (this) {
      if (tasks != deployment || status.isTerminal()) {
        return;
      }
      for (Task t : stuck) {
        abandoned.add(t.thread());
      }
      if (status == JobStatus.CANCELLING && failure == null) {
        cancelProblem = error;
      } else {
        Throwable cause = failure != null ? failure : restartCause;
        if (cause != null) {
          error.initCause(cause);
        }
        failure = error;
        status = JobStatus.FAILING;
      }
    }
    end();
  }

  @Override
  public CompletableFuture<CompletedCheckpoint> triggerSavepoint() {
    return checkpoints.triggerSavepoint();
  }

  @Override
  public CompletableFuture<CompletedCheckpoint> triggerCheckpoint() {
    return checkpoints.triggerCheckpoint();
  }

  @Override
  public CompletableFuture<CompletedCheckpoint> stopWithSavepoint() {
    CompletableFuture<CompletedCheckpoint> savepointDone = checkpoints.savepointStoppingSources();
    savepointDone.whenComplete(
        (s, error) -> {
          if (error != null) {
            resumeSources();
          }
        });
    return savepointDone.thenApply(
        savepoint -> {
          synchronized (this) {
            stopped = true;
          }
          cancel(true);
          return savepoint;
        });
  }

  /** A stop-with-savepoint failed: the sources it halted read on. */
  private void resumeSources() {
    List<Task> current;
    synchronized (this) {
      current = new ArrayList<>(tasks);
    }
    for (Task t : current) {
      t.resumeSource();
    }
  }

  @Override
  public CheckpointStats checkpointStats() {
    return checkpoints.stats();
  }

  @Override
  public synchronized int restarts() {
    return restarts;
  }

  @Override
  public CompletableFuture<JobResult> completion() {
    return completion;
  }

  @Override
  public JobResult waitForCompletion(Duration timeout)
      throws JobExecutionException, TimeoutException, InterruptedException {
    long timeoutNanos = TimeUnit.NANOSECONDS.convert(timeout);
    long deadline = System.nanoTime() + Math.min(timeoutNanos, Long.MAX_VALUE / 2);
    JobResult result;
    try {
      result = completion.get(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw new TimeoutException(
          "job '" + jobName + "' did not end within " + timeout + " (status " + status() + ")");
    }
    // Every task has left its loop; wait for the threads themselves to be gone.
    List<Thread> toJoin;
    synchronized (this) {
      toJoin = new ArrayList<>(threads);
      toJoin.removeAll(abandoned);
    }
    Thread restarts = restarterThread;
    if (restarts != null && restarts != Thread.currentThread()) {
      toJoin.add(restarts); // shut down when the job ended; it may be finishing that very call
    }
    for (Thread t : toJoin) {
      t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
    }
    if (result.status() == JobStatus.FAILED) {
      throw new JobExecutionException(
          "job '" + jobName + "' failed: " + result.failure(), result.failure());
    }
    return result;
  }
}
