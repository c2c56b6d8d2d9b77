package dev.weir.engine.cluster;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/** A handle on a submitted job. */
public interface JobClient {

  String jobName();

  JobStatus status();

  /**
   * Waits until the job ends and every thread of it has stopped. Returns the result when it
   * finished or was cancelled; throws {@link JobExecutionException} (cause: the task's original
   * exception) when it failed.
   */
  JobResult waitForCompletion(Duration timeout) throws JobExecutionException, TimeoutException, InterruptedException;

  /** Completes when the job ends, with its result whatever the status. */
  CompletableFuture<JobResult> completion();

  /** Stops the job; returns at once, {@link #waitForCompletion} waits for the threads. */
  void cancel();
}
