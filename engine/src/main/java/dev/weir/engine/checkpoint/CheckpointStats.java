package dev.weir.engine.checkpoint;

/**
 * Figures about a job's checkpoints so far.
 *
 * @param lastDurationMillis from trigger to completion of the latest completed checkpoint
 * @param lastSizeBytes bytes written by the latest completed checkpoint
 * @param lastFailure why the latest failed checkpoint failed, or {@code null}
 */
public record CheckpointStats(int completed, int failed, long lastCompletedId, long lastDurationMillis, long lastSizeBytes,
    long maxSyncMillis, String lastFailure) {}
