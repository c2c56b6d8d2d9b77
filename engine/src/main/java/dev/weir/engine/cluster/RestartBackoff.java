package dev.weir.engine.cluster;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The delays between a job's restarts, as its {@link RestartStrategy} says: each restart after one
 * that did not lead to a stable run waits twice as long as the one before (up to the strategy's
 * longest delay); a stable run, one that completed a checkpoint or lasted long enough, starts the
 * delays over.
 *
 * <p>Thread-safe: the job's restart thread and the task threads that report failures call it.
 */
final class RestartBackoff {

  private final RestartStrategy strategy;

  /** How many checkpoints the job completed so far; never blocks on the caller's locks. */
  private final LongSupplier completedCheckpoints;

  private int unstableRestarts;
  private Duration lastDelay;
  private long deployedAtNanos = System.nanoTime();
  private long completedAtDeploy;

  RestartBackoff(RestartStrategy strategy, LongSupplier completedCheckpoints) {
    this.strategy = strategy;
    this.completedCheckpoints = completedCheckpoints;
  }

  /** A deployment of the job starts running now. */
  void deployed() {
    long completed = completedCheckpoints.getAsLong();
    synchronized (this) {
      deployedAtNanos = System.nanoTime();
      completedAtDeploy = completed;
    }
  }

  /**
   * Whether the running deployment ran stably: it completed a checkpoint, or ran long enough. Call
   * without holding locks the coordinator may wait for.
   */
  boolean ranStably() {
    long completed = completedCheckpoints.getAsLong();
    synchronized (this) {
      return completed > completedAtDeploy
          || System.nanoTime() - deployedAtNanos
              >= TimeUnit.NANOSECONDS.convert(strategy.stableRun());
    }
  }

  /**
   * The delay before restarting after the running deployment failed; {@code ranStably} as {@link
   * #ranStably()} said just before. Once per failure of the job, not per failed task.
   */
  synchronized Duration afterFailure(boolean ranStably) {
    unstableRestarts = ranStably ? 1 : unstableRestarts + 1;
    return next();
  }

  /** The delay before trying again after a restart whose restore or deployment failed. */
  synchronized Duration afterFailedRestart() {
    unstableRestarts++;
    return next();
  }

  private Duration next() {
    lastDelay = strategy.delayBefore(unstableRestarts);
    return lastDelay;
  }

  /** The delay before the latest restart, or {@code null} before the first. */
  synchronized Duration lastDelay() {
    return lastDelay;
  }
}
