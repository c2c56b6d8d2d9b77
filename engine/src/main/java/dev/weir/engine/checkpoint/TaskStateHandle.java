package dev.weir.engine.checkpoint;

import dev.weir.state.KeyGroupRange;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Where a task's part of a checkpoint lies: one file in the checkpoint's folder, its length and
 * CRC-32, and per operator subtask the segments of the file that hold its state parts.
 */
public record TaskStateHandle(String fileName, long length, long crc32, List<Entry> entries) {

  /** A byte range of the state file. */
  public record Segment(long offset, int length) {}

  /**
   * One operator subtask's state inside the file.
   *
   * @param parts the parts it stored (a missing part was empty)
   */
  public record Entry(
      String vertex,
      int subtaskIndex,
      int parallelism,
      KeyGroupRange keyGroups,
      boolean finished,
      Map<StatePart, Segment> parts) {

    public Entry {
      EnumMap<StatePart, Segment> copy = new EnumMap<>(StatePart.class);
      copy.putAll(parts);
      parts = Collections.unmodifiableMap(copy);
    }
  }

  /** Bytes in the file. */
  public long size() {
    return length;
  }
}
