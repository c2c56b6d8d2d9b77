package dev.weir.engine.checkpoint;

import java.util.List;

/**
 * Where a task's part of a checkpoint lies: one file in the checkpoint's folder, its length and
 * CRC-32, and per subtask state the byte ranges of its parts (offset -1 for a missing part).
 */
public record TaskStateHandle(String fileName, long length, long crc32, List<Entry> entries) {

  /** One subtask state inside the file. */
  public record Entry(
      String vertex,
      int subtaskIndex,
      int parallelism,
      int keyGroupStart,
      int keyGroupEnd,
      boolean finished,
      long[] offsets,
      int[] lengths) {}

  /** Bytes in the file. */
  public long size() {
    return length;
  }
}
