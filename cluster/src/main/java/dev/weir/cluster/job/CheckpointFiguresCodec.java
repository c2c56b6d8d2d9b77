package dev.weir.cluster.job;

import dev.weir.cluster.protocol.v1.CheckpointFigures;
import dev.weir.engine.checkpoint.CheckpointStats;

/**
 * A job's {@link CheckpointStats} as the {@link CheckpointFigures} a status reply carries to a
 * client, and back (an empty failure text stands for none). Any thread.
 */
public final class CheckpointFiguresCodec {

  private CheckpointFiguresCodec() {}

  public static CheckpointFigures encode(CheckpointStats stats) {
    return CheckpointFigures.newBuilder()
        .setCompleted(stats.completed())
        .setFailed(stats.failed())
        .setFailedInARow(stats.failedInARow())
        .setLastCompletedId(stats.lastCompletedId())
        .setLastDurationMillis(stats.lastDurationMillis())
        .setLastSizeBytes(stats.lastSizeBytes())
        .setMaxSizeBytes(stats.maxSizeBytes())
        .setMaxSyncMillis(stats.maxSyncMillis())
        .setMaxAsyncMillis(stats.maxAsyncMillis())
        .setLastFailure(stats.lastFailure() == null ? "" : stats.lastFailure())
        .build();
  }

  public static CheckpointStats decode(CheckpointFigures c) {
    return new CheckpointStats(
        c.getCompleted(),
        c.getFailed(),
        c.getFailedInARow(),
        c.getLastCompletedId(),
        c.getLastDurationMillis(),
        c.getLastSizeBytes(),
        c.getMaxSizeBytes(),
        c.getMaxSyncMillis(),
        c.getMaxAsyncMillis(),
        c.getLastFailure().isEmpty() ? null : c.getLastFailure());
  }
}
