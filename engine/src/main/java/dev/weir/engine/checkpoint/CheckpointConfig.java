package dev.weir.engine.checkpoint;

import java.nio.file.Path;
import java.time.Duration;

/**
 * When and where a job takes checkpoints.
 *
 * @param interval time between the start of periodic checkpoints; zero or negative turns periodic
 *     checkpoints off (savepoints can still be taken when a directory is set)
 * @param timeout a checkpoint not complete after this long is aborted
 * @param minPause least time between the end of one checkpoint and the start of the next
 * @param retained how many completed checkpoints stay on disk (older ones are deleted)
 * @param directory where checkpoints are written, one folder per job run
 * @param fallBackToOlder whether a restore whose newest checkpoint is unreadable may take an older
 *     one; off by default: the newest completed, so sinks and sources may have committed what it
 *     covers, and an older one could then repeat or lose data
 * @param tolerableFailures how many checkpoints in a row may fail (time out, be declined by a task,
 *     fail to be written) before the job fails over: without it a job on a full or unwritable disk
 *     would run for hours without a checkpoint while what waits for one piles up
 */
public record CheckpointConfig(
    Duration interval,
    Duration timeout,
    Duration minPause,
    int retained,
    Path directory,
    boolean fallBackToOlder,
    int tolerableFailures) {

  /** Checkpoints that may fail in a row by default before the job fails over. */
  public static final int DEFAULT_TOLERABLE_FAILURES = 3;

  public CheckpointConfig {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("checkpoint timeout must be positive, got " + timeout);
    }
    if (minPause.isNegative()) {
      throw new IllegalArgumentException(
          "minimum pause between checkpoints must not be negative, got " + minPause);
    }
    if (retained < 1) {
      throw new IllegalArgumentException(
          "at least one completed checkpoint must be retained, got " + retained);
    }
    if (directory == null) {
      throw new IllegalArgumentException("a checkpoint directory is required");
    }
    if (tolerableFailures < 0) {
      throw new IllegalArgumentException(
          "tolerable checkpoint failures must not be negative, got " + tolerableFailures);
    }
  }

  /**
   * Periodic checkpoints every {@code interval} into {@code directory}: 10 min timeout, no pause, 2
   * retained, {@value #DEFAULT_TOLERABLE_FAILURES} failures in a row tolerated.
   */
  public static CheckpointConfig every(Duration interval, Path directory) {
    return new CheckpointConfig(
        interval,
        Duration.ofMinutes(10),
        Duration.ZERO,
        2,
        directory,
        false,
        DEFAULT_TOLERABLE_FAILURES);
  }

  public boolean periodic() {
    return !interval.isZero() && !interval.isNegative();
  }

  public CheckpointConfig withTimeout(Duration t) {
    return new CheckpointConfig(
        interval, t, minPause, retained, directory, fallBackToOlder, tolerableFailures);
  }

  public CheckpointConfig withMinPause(Duration p) {
    return new CheckpointConfig(
        interval, timeout, p, retained, directory, fallBackToOlder, tolerableFailures);
  }

  public CheckpointConfig withRetained(int n) {
    return new CheckpointConfig(
        interval, timeout, minPause, n, directory, fallBackToOlder, tolerableFailures);
  }

  /** Whether a restore may fall back to an older checkpoint when the newest is unreadable. */
  public CheckpointConfig withFallBackToOlder(boolean allowed) {
    return new CheckpointConfig(
        interval, timeout, minPause, retained, directory, allowed, tolerableFailures);
  }

  /** How many checkpoints may fail in a row before the job fails over. */
  public CheckpointConfig withTolerableFailures(int n) {
    return new CheckpointConfig(
        interval, timeout, minPause, retained, directory, fallBackToOlder, n);
  }
}
