package dev.weir.engine.checkpoint;

/**
 * Figures about a job's checkpoints so far.
 *
 * @param failedInARow checkpoints (not savepoints) that failed since the last one completed; past
 *     {@link CheckpointConfig#tolerableFailures()} the job fails over
 * @param lastDurationMillis from trigger to completion of the latest completed checkpoint
 * @param lastSizeBytes bytes written by the latest completed checkpoint
 * @param maxSizeBytes bytes written by the largest completed checkpoint
 * @param maxSyncMillis the longest synchronous part of any task's snapshot (the task stops
 *     processing meanwhile)
 * @param maxAsyncMillis the longest asynchronous part of any task's snapshot (written on a writer
 *     thread)
 * @param lastFailure why the latest failed checkpoint failed, or {@code null}
 */
public record CheckpointStats(
    int completed,
    int failed,
    int failedInARow,
    long lastCompletedId,
    long lastDurationMillis,
    long lastSizeBytes,
    long maxSizeBytes,
    long maxSyncMillis,
    long maxAsyncMillis,
    String lastFailure) {}
