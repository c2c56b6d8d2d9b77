package dev.weir.engine.checkpoint;

import dev.weir.state.KeyGroupRange;
import dev.weir.state.KeyedStateBackend.StateSnapshot;
import java.util.Map;

/**
 * One operator subtask's state captured by a task and not yet written: the parts it has (a missing
 * part is empty), each streamed into the task's state file by a snapshot writer.
 */
public record PendingSubtaskState(
    String vertex,
    int subtaskIndex,
    int parallelism,
    KeyGroupRange keyGroups,
    boolean finished,
    Map<StatePart, StateSnapshot> parts) {}
