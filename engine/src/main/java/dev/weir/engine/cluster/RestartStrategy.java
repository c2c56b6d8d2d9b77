package dev.weir.engine.cluster;

import java.time.Duration;

/**
 * What happens when a task fails: the job fails at once ({@link #none()}), or its tasks are
 * restarted from the latest completed checkpoint (from the start when there is none), at most
 * {@code maxRestarts} times over the job's life ({@link #UNLIMITED}: forever).
 *
 * <p>The delay before a restart starts at {@code initialDelay} and doubles with every restart that
 * follows one after which the job did not run stably, up to {@code maxDelay}; it returns to {@code
 * initialDelay} once the job ran stably. A job ran stably when, since its last restart, it
 * completed a checkpoint (it made progress that a restart keeps) or ran for {@code maxDelay}
 * without failing. So a transient failure is retried at once, while a job that fails again and
 * again on restore or on the same record waits ever longer instead of hammering what it talks to.
 *
 * @param maxRestarts restarts allowed over the job's life; {@link #UNLIMITED} for no bound
 * @param initialDelay the delay before the first restart after a stable run
 * @param maxDelay the longest delay; equal to {@code initialDelay} for a fixed delay
 */
public record RestartStrategy(int maxRestarts, Duration initialDelay, Duration maxDelay) {

  /** No bound on the number of restarts. */
  public static final int UNLIMITED = Integer.MAX_VALUE;

  public RestartStrategy {
    if (maxRestarts < 0) {
      throw new IllegalArgumentException("maxRestarts must not be negative, got " + maxRestarts);
    }
    if (initialDelay.isNegative()) {
      throw new IllegalArgumentException("restart delay must not be negative, got " + initialDelay);
    }
    if (maxDelay.compareTo(initialDelay) < 0) {
      throw new IllegalArgumentException(
          "the longest restart delay ("
              + maxDelay
              + ") must not be shorter than the first one ("
              + initialDelay
              + ")");
    }
  }

  public static RestartStrategy none() {
    return new RestartStrategy(0, Duration.ZERO, Duration.ZERO);
  }

  /** Restarts after the same {@code delay} each time, at most {@code maxRestarts} times. */
  public static RestartStrategy fixedDelay(int maxRestarts, Duration delay) {
    return new RestartStrategy(maxRestarts, delay, delay);
  }

  /**
   * Restarts after a delay that doubles from {@code initialDelay} up to {@code maxDelay} while the
   * job does not run stably in between, at most {@code maxRestarts} times.
   */
  public static RestartStrategy exponentialDelay(
      int maxRestarts, Duration initialDelay, Duration maxDelay) {
    return new RestartStrategy(maxRestarts, initialDelay, maxDelay);
  }

  /** Whether a job that was restarted {@code restartsSoFar} times may restart once more. */
  public boolean allowsRestart(int restartsSoFar) {
    return maxRestarts == UNLIMITED || restartsSoFar < maxRestarts;
  }

  /**
   * The delay before a restart that is the {@code unstable}-th in a row without a stable run in
   * between (1 for the first restart after a stable run).
   */
  public Duration delayBefore(int unstable) {
    if (initialDelay.isZero()) {
      return Duration.ZERO;
    }
    Duration delay = initialDelay;
    for (int i = 1; i < unstable && delay.compareTo(maxDelay) < 0; i++) {
      delay = delay.multipliedBy(2);
    }
    return delay.compareTo(maxDelay) > 0 ? maxDelay : delay;
  }

  /** How long a job must run without failing to count as stable when no checkpoint completed. */
  public Duration stableRun() {
    return maxDelay;
  }

  @Override
  public String toString() {
    String bound = maxRestarts == UNLIMITED ? "unlimited restarts" : "at most " + maxRestarts;
    return initialDelay.equals(maxDelay)
        ? bound + ", " + initialDelay.toMillis() + " ms apart"
        : bound
            + ", "
            + initialDelay.toMillis()
            + " ms apart, doubling up to "
            + maxDelay.toMillis()
            + " ms while the job does not run stably";
  }
}
