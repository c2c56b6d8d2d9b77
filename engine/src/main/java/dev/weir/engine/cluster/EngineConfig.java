package dev.weir.engine.cluster;

import dev.weir.engine.checkpoint.CheckpointConfig;
import dev.weir.engine.checkpoint.FaultInjector;
import dev.weir.state.KeyedStateBackendFactory;
import dev.weir.state.heap.HeapStateBackendFactory;
import java.time.Duration;

/**
 * Settings of the exchange, the task runtime, checkpoints and failure handling. Immutable; change
 * with the {@code with...} methods.
 *
 * @param checkpoints when and where checkpoints are taken; {@code null}: none (and no savepoints)
 * @param restartStrategy what a task failure does to the job
 * @param faults failure-injection hooks for tests
 * @param stateBackend where keyed state lives
 * @param taskCancellationTimeout how long a cancelled task may take to stop; past it the job ends
 *     without waiting for it (a thread that ignores interrupts cannot be stopped in this JVM)
 */
public record EngineConfig(
    int bufferSize,
    long bufferTimeoutMillis,
    int buffersPerOutputChannel,
    int creditsPerInputChannel,
    CheckpointConfig checkpoints,
    RestartStrategy restartStrategy,
    FaultInjector faults,
    KeyedStateBackendFactory stateBackend,
    Duration taskCancellationTimeout) {

  /**
   * 32 KiB buffers, 5 ms buffer timeout, 4 buffers per output channel, 4 credits per input channel;
   * no checkpoints, no restarts; 180 s for a cancelled task to stop (Flink's default).
   */
  public static final EngineConfig DEFAULT =
      new EngineConfig(
          32 * 1024,
          5,
          4,
          4,
          null,
          RestartStrategy.none(),
          FaultInjector.NONE,
          HeapStateBackendFactory.INSTANCE,
          Duration.ofSeconds(180));

  public EngineConfig {
    if (bufferSize < 64) {
      throw new IllegalArgumentException("bufferSize must be at least 64 bytes, got " + bufferSize);
    }
    if (buffersPerOutputChannel < 1) {
      throw new IllegalArgumentException(
          "buffersPerOutputChannel must be at least 1, got " + buffersPerOutputChannel);
    }
    if (creditsPerInputChannel < 1) {
      throw new IllegalArgumentException(
          "creditsPerInputChannel must be at least 1, got " + creditsPerInputChannel);
    }
    if (restartStrategy == null) {
      throw new IllegalArgumentException(
          "restartStrategy must not be null; use RestartStrategy.none()");
    }
    if (stateBackend == null) {
      throw new IllegalArgumentException(
          "stateBackend must not be null; use HeapStateBackendFactory.INSTANCE");
    }
    if (faults == null) {
      throw new IllegalArgumentException("faults must not be null; use FaultInjector.NONE");
    }
    if (taskCancellationTimeout == null
        || taskCancellationTimeout.isNegative()
        || taskCancellationTimeout.isZero()) {
      throw new IllegalArgumentException(
          "taskCancellationTimeout must be positive, got " + taskCancellationTimeout);
    }
  }

  /**
   * Milliseconds before a partially filled buffer is sent; 0 sends every record at once, negative
   * only full buffers.
   */
  public EngineConfig withBufferTimeoutMillis(long millis) {
    return new EngineConfig(
        bufferSize,
        millis,
        buffersPerOutputChannel,
        creditsPerInputChannel,
        checkpoints,
        restartStrategy,
        faults,
        stateBackend,
        taskCancellationTimeout);
  }

  public EngineConfig withBufferSize(int bytes) {
    return new EngineConfig(
        bytes,
        bufferTimeoutMillis,
        buffersPerOutputChannel,
        creditsPerInputChannel,
        checkpoints,
        restartStrategy,
        faults,
        stateBackend,
        taskCancellationTimeout);
  }

  public EngineConfig withBuffersPerOutputChannel(int n) {
    return new EngineConfig(
        bufferSize,
        bufferTimeoutMillis,
        n,
        creditsPerInputChannel,
        checkpoints,
        restartStrategy,
        faults,
        stateBackend,
        taskCancellationTimeout);
  }

  public EngineConfig withCreditsPerInputChannel(int n) {
    return new EngineConfig(
        bufferSize,
        bufferTimeoutMillis,
        buffersPerOutputChannel,
        n,
        checkpoints,
        restartStrategy,
        faults,
        stateBackend,
        taskCancellationTimeout);
  }

  public EngineConfig withCheckpoints(CheckpointConfig c) {
    return new EngineConfig(
        bufferSize,
        bufferTimeoutMillis,
        buffersPerOutputChannel,
        creditsPerInputChannel,
        c,
        restartStrategy,
        faults,
        stateBackend,
        taskCancellationTimeout);
  }

  public EngineConfig withRestartStrategy(RestartStrategy r) {
    return new EngineConfig(
        bufferSize,
        bufferTimeoutMillis,
        buffersPerOutputChannel,
        creditsPerInputChannel,
        checkpoints,
        r,
        faults,
        stateBackend,
        taskCancellationTimeout);
  }

  /** Where keyed state lives: {@link KeyedStateBackendFactory#HEAP} or a RocksDB factory. */
  public EngineConfig withStateBackend(KeyedStateBackendFactory b) {
    return new EngineConfig(
        bufferSize,
        bufferTimeoutMillis,
        buffersPerOutputChannel,
        creditsPerInputChannel,
        checkpoints,
        restartStrategy,
        faults,
        b,
        taskCancellationTimeout);
  }

  public EngineConfig withFaults(FaultInjector f) {
    return new EngineConfig(
        bufferSize,
        bufferTimeoutMillis,
        buffersPerOutputChannel,
        creditsPerInputChannel,
        checkpoints,
        restartStrategy,
        f,
        stateBackend,
        taskCancellationTimeout);
  }

  /** How long a cancelled task may take to stop before the job ends without it. */
  public EngineConfig withTaskCancellationTimeout(Duration timeout) {
    return new EngineConfig(
        bufferSize,
        bufferTimeoutMillis,
        buffersPerOutputChannel,
        creditsPerInputChannel,
        checkpoints,
        restartStrategy,
        faults,
        stateBackend,
        timeout);
  }
}
