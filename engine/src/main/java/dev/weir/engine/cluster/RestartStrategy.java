package dev.weir.engine.cluster;

import java.time.Duration;

/**
 * What happens when a task fails: the job fails at once ({@link #none()}), or its tasks are
 * restarted from the latest completed checkpoint (from the start when there is none), at most
 * {@code maxRestarts} times over the job's life, each after {@code delay}.
 */
public record RestartStrategy(int maxRestarts, Duration delay) {

  public RestartStrategy {
    if (maxRestarts < 0) {
      throw new IllegalArgumentException("maxRestarts must not be negative, got " + maxRestarts);
    }
    if (delay.isNegative()) {
      throw new IllegalArgumentException("restart delay must not be negative, got " + delay);
    }
  }

  public static RestartStrategy none() {
    return new RestartStrategy(0, Duration.ZERO);
  }

  public static RestartStrategy fixedDelay(int maxRestarts, Duration delay) {
    return new RestartStrategy(maxRestarts, delay);
  }
}
