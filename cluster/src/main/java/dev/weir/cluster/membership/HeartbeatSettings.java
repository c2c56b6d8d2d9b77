package dev.weir.cluster.membership;

import java.time.Duration;

/**
 * How often a worker reports to the coordinator, and how long silence may last before either side
 * counts the other as lost: the coordinator then restarts the worker's jobs elsewhere, the worker
 * cancels its own tasks (fencing). A closed control connection counts as lost at once.
 */
public record HeartbeatSettings(Duration interval, Duration timeout) {

  /** One heartbeat a second; ten seconds of silence lose a peer. */
  public static final HeartbeatSettings DEFAULT =
      new HeartbeatSettings(Duration.ofSeconds(1), Duration.ofSeconds(10));

  public HeartbeatSettings {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException(
          "the heartbeat interval must be positive, got " + interval);
    }
    if (timeout.compareTo(interval.multipliedBy(2)) < 0) {
      throw new IllegalArgumentException(
          "the heartbeat timeout ("
              + timeout.toMillis()
              + " ms) must be at least twice the interval ("
              + interval.toMillis()
              + " ms), or one late heartbeat loses a healthy peer");
    }
  }
}
