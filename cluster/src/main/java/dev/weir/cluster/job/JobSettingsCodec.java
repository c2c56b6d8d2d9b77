package dev.weir.cluster.job;

import dev.weir.cluster.protocol.v1.Checkpointing;
import dev.weir.cluster.protocol.v1.JobSettings;
import dev.weir.engine.checkpoint.CheckpointConfig;
import dev.weir.engine.checkpoint.FaultInjector;
import dev.weir.engine.cluster.EngineConfig;
import dev.weir.engine.cluster.RestartStrategy;
import dev.weir.state.KeyedStateBackendFactory;
import dev.weir.state.heap.HeapStateBackendFactory;
import dev.weir.state.rocksdb.RocksDbStateBackendFactory;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A job's {@link EngineConfig} as it travels from its client to the coordinator and the workers.
 * Fault injection stays behind (tests inject in one JVM). Reading checks every value: the {@link
 * EngineConfig} and {@link CheckpointConfig} constructors refuse what they cannot run.
 */
public final class JobSettingsCodec {

  private JobSettingsCodec() {}

  public static JobSettings encode(EngineConfig config) {
    JobSettings.Builder s =
        JobSettings.newBuilder()
            .setBufferSize(config.bufferSize())
            .setBufferTimeoutMillis(config.bufferTimeoutMillis())
            .setBuffersPerOutputChannel(config.buffersPerOutputChannel())
            .setCreditsPerInputChannel(config.creditsPerInputChannel())
            .setMaxRestarts(config.restartStrategy().maxRestarts())
            .setRestartDelayMillis(config.restartStrategy().initialDelay().toMillis())
            .setMaxRestartDelayMillis(config.restartStrategy().maxDelay().toMillis())
            .setTaskCancellationTimeoutMillis(config.taskCancellationTimeout().toMillis());
    KeyedStateBackendFactory backend = config.stateBackend();
    if (backend instanceof RocksDbStateBackendFactory rocks) {
      s.setStateBackend("rocksdb").setRocksdbDir(rocks.directory().toString());
    } else if (backend == HeapStateBackendFactory.INSTANCE) {
      s.setStateBackend("heap");
    } else {
      throw new IllegalArgumentException(
          "state backend " + backend + " cannot be used on a cluster; use heap or rocksdb");
    }
    CheckpointConfig c = config.checkpoints();
    if (c != null) {
      s.setCheckpoints(
          Checkpointing.newBuilder()
              .setIntervalMillis(c.interval().toMillis())
              .setTimeoutMillis(c.timeout().toMillis())
              .setMinPauseMillis(c.minPause().toMillis())
              .setRetained(c.retained())
              .setDirectory(c.directory().toString())
              .setFallBackToOlder(c.fallBackToOlder())
              .setTolerableFailures(c.tolerableFailures()));
    }
    return s.build();
  }

  /**
   * @throws IllegalArgumentException naming the setting that is out of range or unknown
   */
  public static EngineConfig decode(JobSettings s) {
    KeyedStateBackendFactory backend =
        switch (s.getStateBackend()) {
          case "heap", "" -> HeapStateBackendFactory.INSTANCE;
          case "rocksdb" -> {
            if (s.getRocksdbDir().isEmpty()) {
              throw new IllegalArgumentException("the rocksdb state backend needs a directory");
            }
            yield new RocksDbStateBackendFactory(Path.of(s.getRocksdbDir()));
          }
          default ->
              throw new IllegalArgumentException(
                  "unknown state backend '" + s.getStateBackend() + "'");
        };
    CheckpointConfig checkpoints = null;
    if (s.hasCheckpoints()) {
      Checkpointing c = s.getCheckpoints();
      if (c.getDirectory().isEmpty()) {
        throw new IllegalArgumentException("checkpoints need a directory");
      }
      checkpoints =
          new CheckpointConfig(
              Duration.ofMillis(c.getIntervalMillis()),
              Duration.ofMillis(c.getTimeoutMillis()),
              Duration.ofMillis(c.getMinPauseMillis()),
              c.getRetained(),
              Path.of(c.getDirectory()),
              c.getFallBackToOlder(),
              c.getTolerableFailures());
    }
    RestartStrategy restarts =
        new RestartStrategy(
            s.getMaxRestarts(),
            Duration.ofMillis(s.getRestartDelayMillis()),
            Duration.ofMillis(s.getMaxRestartDelayMillis()));
    return new EngineConfig(
        s.getBufferSize(),
        s.getBufferTimeoutMillis(),
        s.getBuffersPerOutputChannel(),
        s.getCreditsPerInputChannel(),
        checkpoints,
        restarts,
        FaultInjector.NONE,
        backend,
        Duration.ofMillis(s.getTaskCancellationTimeoutMillis()));
  }
}
