package dev.weir.engine.cluster;

import dev.weir.engine.task.Task;
import dev.weir.engine.task.TaskListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A running job in this JVM: its tasks and threads, its status, and the rule that the first task
 * failure fails the whole job (every other task is cancelled, the original exception is the
 * cause).
 */
final class JobExecution implements JobClient, TaskListener {

  private final String jobName;
  private final long startNanos = System.nanoTime();
  private final CompletableFuture<JobResult> completion = new CompletableFuture<>();
  private final List<Task> tasks = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final Runnable onEnd;
  private JobStatus status = JobStatus.RUNNING;
  private Throwable failure;
  private int running;
  private int finishedInput;
  private volatile boolean allFinished;

  JobExecution(String jobName, Runnable onEnd) {
    this.jobName = jobName;
    this.onEnd = onEnd;
  }

  /** Starts a thread per task. */
  void start(List<Task> deployed) {
    synchronized (this) {
      tasks.addAll(deployed);
      running = deployed.size();
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

  /** The tasks of the job; for tests and diagnostics. */
  synchronized List<Task> tasks() {
    return new ArrayList<>(tasks);
  }

  @Override
  public void taskFinished(Task task) {
    List<Task> toWake = List.of();
    synchronized (this) {
      if (++finishedInput == tasks.size()) {
        allFinished = true;
        toWake = new ArrayList<>(tasks);
      }
    }
    for (Task t : toWake) {
      t.waker().signal();
    }
  }

  /** Other tasks count as idle after 3 ms without work: time for a flushed buffer to wake its reader. */
  private static final long QUIESCENCE_NANOS = 3_000_000L;

  @Override
  public boolean othersQuiescent(Task self) {
    List<Task> all;
    synchronized (this) {
      all = new ArrayList<>(tasks);
    }
    for (Task t : all) {
      if (t != self && !t.isIdleFor(QUIESCENCE_NANOS)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean allTasksFinished() {
    return allFinished;
  }

  @Override
  public void taskEnded(Task task, Throwable taskFailure) {
    boolean last;
    List<Task> toCancel = List.of();
    synchronized (this) {
      if (taskFailure != null && failure == null && status != JobStatus.CANCELLING) {
        failure = taskFailure;
        status = JobStatus.FAILING;
        toCancel = new ArrayList<>(tasks);
      }
      last = --running == 0;
    }
    for (Task t : toCancel) {
      if (t != task) {
        t.cancel();
      }
    }
    if (last) {
      end();
    }
  }

  private void end() {
    JobResult result;
    synchronized (this) {
      status = failure != null ? JobStatus.FAILED : status == JobStatus.CANCELLING ? JobStatus.CANCELED : JobStatus.FINISHED;
      result = new JobResult(jobName, status, Duration.ofNanos(System.nanoTime() - startNanos), failure);
    }
    onEnd.run();
    completion.complete(result);
  }

  @Override
  public void cancel() {
    List<Task> toCancel;
    synchronized (this) {
      if (status != JobStatus.RUNNING) {
        return;
      }
      status = JobStatus.CANCELLING;
      toCancel = new ArrayList<>(tasks);
    }
    for (Task t : toCancel) {
      t.cancel();
    }
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  @Override
  public CompletableFuture<JobResult> completion() {
    return completion;
  }

  @Override
  public JobResult waitForCompletion(Duration timeout) throws JobExecutionException, TimeoutException, InterruptedException {
    long timeoutNanos = saturatedNanos(timeout);
    long deadline = System.nanoTime() + Math.min(timeoutNanos, Long.MAX_VALUE / 2);
    JobResult result;
    try {
      result = completion.get(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw new TimeoutException("job '" + jobName + "' did not end within " + timeout + " (status " + status() + ")");
    }
    // Every task has left its loop; wait for the threads themselves to be gone.
    List<Thread> toJoin;
    synchronized (this) {
      toJoin = new ArrayList<>(threads);
    }
    for (Thread t : toJoin) {
      t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
    }
    if (result.status() == JobStatus.FAILED) {
      throw new JobExecutionException("job '" + jobName + "' failed: " + result.failure(), result.failure());
    }
    return result;
  }
}
