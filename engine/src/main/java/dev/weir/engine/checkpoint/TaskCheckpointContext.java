package dev.weir.engine.checkpoint;

import java.util.concurrent.Executor;

/**
 * What a task needs to take part in checkpoints: where its state goes, the threads that write it,
 * whom to acknowledge, and the test hooks.
 */
public record TaskCheckpointContext(
    CheckpointStorage storage,
    Executor writers,
    CheckpointResponder responder,
    FaultInjector faults) {}
