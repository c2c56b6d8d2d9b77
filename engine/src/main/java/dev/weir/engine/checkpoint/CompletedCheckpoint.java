package dev.weir.engine.checkpoint;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint (or savepoint) whose every task acknowledged and whose metadata is on disk, loaded
 * for a restore or just completed.
 *
 * @param states vertex name → the states of its subtasks (in memory only when loaded for a restore)
 */
public record CompletedCheckpoint(
    long id,
    boolean savepoint,
    Path folder,
    long sizeBytes,
    Map<String, List<SubtaskState>> states) {

  /** The states of {@code vertex}'s subtasks, empty when the checkpoint holds none. */
  public List<SubtaskState> statesOf(String vertex) {
    return states.getOrDefault(vertex, List.of());
  }

  @Override
  public String toString() {
    return (savepoint ? "savepoint " : "checkpoint ") + id + " at " + folder;
  }
}
