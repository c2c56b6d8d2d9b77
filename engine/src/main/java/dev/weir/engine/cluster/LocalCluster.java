package dev.weir.engine.cluster;

import dev.weir.engine.checkpoint.CheckpointCoordinator;
import dev.weir.engine.checkpoint.CheckpointStorage;
import dev.weir.engine.checkpoint.CompletedCheckpoint;
import dev.weir.engine.graph.JobGraph;
import dev.weir.engine.graph.JobGraphValidator;
import dev.weir.engine.graph.JobVertex;
import dev.weir.engine.task.Task;
import dev.weir.state.PrivateFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

/**
 * Runs jobs in this JVM (embedded mode): every subtask is a thread, every channel a local channel.
 * Starting a job takes no more than creating its threads.
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
   * @throws dev.weir.engine.graph.InvalidJobGraphException when the graph cannot run; nothing was
   *     started
   * @throws JobExecutionException when creating an operator or a source reader failed; nothing was
   *     started
   */
  public JobClient submit(JobGraph graph) throws JobExecutionException {
    return submit(graph, config);
  }

  /** Like {@link #submit(JobGraph)} with settings for this job only. */
  public JobClient submit(JobGraph graph, EngineConfig jobConfig) throws JobExecutionException {
    return submit(graph, jobConfig, null);
  }

  /**
   * Like {@link #submit(JobGraph, EngineConfig)}, resuming from {@code restoreFrom}: a savepoint or
   * checkpoint folder, or a job's checkpoint folder (its newest usable checkpoint is taken). The
   * graph may have another parallelism than the job that wrote it; state is found by vertex name.
   */
  public JobClient submit(JobGraph graph, EngineConfig jobConfig, Path restoreFrom)
      throws JobExecutionException {
    if (closed) {
      throw new IllegalStateException("the local cluster is closed");
    }
    List<JobVertex> order = JobGraphValidator.validate(graph);
    if (jobConfig.checkpoints() != null || restoreFrom != null) {
      TaskDeployer.requireUniqueNames(graph);
    }
    CompletedCheckpoint restore = null;
    if (restoreFrom != null) {
      try {
        restore =
            CheckpointStorage.loadPath(
                restoreFrom,
                jobConfig.checkpoints() != null && jobConfig.checkpoints().fallBackToOlder());
      } catch (IOException e) {
        throw new JobExecutionException(
            "job '" + graph.name() + "' cannot resume: " + e.getMessage(), e);
      }
    }
    CheckpointCoordinator coordinator = null;
    if (jobConfig.checkpoints() != null) {
      try {
        PrivateFiles.prepareDirectory(jobConfig.checkpoints().directory(), "--checkpointDir");
      } catch (IOException e) {
        throw new JobExecutionException(
            "job '" + graph.name() + "' cannot start: " + e.getMessage(), e);
      }
      Path folder = jobConfig.checkpoints().directory().resolve(runFolderName(graph.name()));
      coordinator =
          new CheckpointCoordinator(
              graph.name(), jobConfig.checkpoints(), new CheckpointStorage(folder));
    }
    JobExecution[] self = new JobExecution[1];
    JobExecution.Deployer deployer =
        (from, checkpoints) ->
            new TaskDeployer(graph, jobConfig, self[0], from, checkpoints).deploy(order);
    JobExecution execution =
        new JobExecution(
            graph.name(), () -> running.remove(self[0]), deployer, jobConfig, coordinator, restore);
    self[0] = execution;
    List<Task> tasks;
    try {
      tasks = deployer.deploy(restore, execution.checkpointContext());
    } catch (Exception e) {
      if (coordinator != null) {
        coordinator.close();
      }
      throw new JobExecutionException(
          "job '" + graph.name() + "' could not be deployed: " + e.getMessage(), e);
    }
    running.add(execution);
    execution.start(tasks);
    return execution;
  }

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final DateTimeFormatter RUN_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

  /**
   * A folder per run of a job: its name, the start time and a random part, so runs never share
   * checkpoints and nobody can prepare a run's folder in advance.
   */
  public static String runFolderName(String jobName) {
    String safe = jobName.replaceAll("[^A-Za-z0-9._-]+", "_");
    if (safe.length() > 60) {
      safe = safe.substring(0, 60);
    }
    return safe
        + "-"
        + RUN_TIME.format(LocalDateTime.now())
        + "-"
        + HexFormat.of().toHexDigits(RANDOM.nextLong());
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
        e.waitForCompletion(Duration.ofSeconds(30));
      } catch (JobExecutionException | TimeoutException ignored) {
        // cancelled jobs end one way or another; a stuck one is left behind after the wait
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
