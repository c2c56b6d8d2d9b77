package dev.weir.engine.cluster;

import dev.weir.engine.graph.JobGraph;
import dev.weir.engine.graph.JobGraphValidator;
import dev.weir.engine.graph.JobVertex;
import dev.weir.engine.task.Task;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs jobs in this JVM (embedded mode): every subtask is a thread, every channel a local
 * channel. Starting a job takes no more than creating its threads.
 */
public final class LocalCluster implements AutoCloseable {

  private final EngineConfig config;
  private final Set<JobExecution> running = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  public LocalCluster() {
    this(EngineConfig.DEFAULT);
  }

  public LocalCluster(EngineConfig config) {
    this.config = config;
  }

  public EngineConfig config() {
    return config;
  }

  /**
   * Validates the graph, deploys its tasks and starts them.
   *
   * @throws dev.weir.engine.graph.InvalidJobGraphException when the graph cannot run; nothing was started
   * @throws JobExecutionException when creating an operator or a source reader failed; nothing was started
   */
  public JobClient submit(JobGraph graph) throws JobExecutionException {
    return submit(graph, config);
  }

  /** Like {@link #submit(JobGraph)} with settings for this job only. */
  public JobClient submit(JobGraph graph, EngineConfig jobConfig) throws JobExecutionException {
    if (closed) {
      throw new IllegalStateException("the local cluster is closed");
    }
    List<JobVertex> order = JobGraphValidator.validate(graph);
    JobExecution[] self = new JobExecution[1];
    JobExecution execution = new JobExecution(graph.name(), () -> running.remove(self[0]));
    self[0] = execution;
    List<Task> tasks;
    try {
      tasks = new TaskDeployer(graph, jobConfig, execution).deploy(order);
    } catch (Exception e) {
      throw new JobExecutionException("job '" + graph.name() + "' could not be deployed: " + e.getMessage(), e);
    }
    running.add(execution);
    execution.start(tasks);
    return execution;
  }

  /** Number of jobs that have not ended. */
  public int runningJobs() {
    return running.size();
  }

  /** Cancels every running job and waits (up to 30 s) until their threads have stopped. */
  @Override
  public void close() {
    closed = true;
    for (JobExecution e : running) {
      e.cancel();
    }
    for (JobExecution e : running) {
      try {
        e.waitForCompletion(java.time.Duration.ofSeconds(30));
      } catch (JobExecutionException | java.util.concurrent.TimeoutException ignored) {
        // cancelled jobs end one way or another; a stuck one is left behind after the wait
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
