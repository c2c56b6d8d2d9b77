package dev.weir.cluster.job;

import dev.weir.cluster.protocol.v1.StateEntry;
import dev.weir.cluster.protocol.v1.StateHandle;
import dev.weir.cluster.protocol.v1.StateSegment;
import dev.weir.engine.checkpoint.StatePart;
import dev.weir.engine.checkpoint.TaskStateHandle;
import dev.weir.state.KeyGroupRange;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A task's {@link TaskStateHandle} as a worker acknowledges it to the coordinator. Reading checks
 * what the coordinator will use: a plain file name, lengths and offsets that fit the file, known
 * parts; the coordinator writes the handle into the checkpoint's metadata, and a restore checks the
 * files against it again.
 */
public final class StateHandleCodec {

  private StateHandleCodec() {}

  public static StateHandle encode(TaskStateHandle handle) {
    StateHandle.Builder out =
        StateHandle.newBuilder()
            .setFileName(handle.fileName())
            .setLength(handle.length())
            .setCrc32(handle.crc32());
    for (TaskStateHandle.Entry e : handle.entries()) {
      StateEntry.Builder entry =
          StateEntry.newBuilder()
              .setVertex(e.vertex())
              .setSubtask(e.subtaskIndex())
              .setParallelism(e.parallelism())
              .setKeyGroupStart(e.keyGroups().start())
              .setKeyGroupEnd(e.keyGroups().end())
              .setFinished(e.finished());
      for (Map.Entry<StatePart, TaskStateHandle.Segment> p : e.parts().entrySet()) {
        entry.addParts(
            StateSegment.newBuilder()
                .setPart(p.getKey().tag())
                .setOffset(p.getValue().offset())
                .setLength(p.getValue().length()));
      }
      out.addEntries(entry);
    }
    return out.build();
  }

  /**
   * @throws IllegalArgumentException naming what does not fit
   */
  public static TaskStateHandle decode(StateHandle handle) {
    String name = handle.getFileName();
    if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
      throw new IllegalArgumentException("state file name '" + name + "' is not a plain name");
    }
    if (handle.getLength() < 0 || handle.getCrc32() < 0 || handle.getCrc32() > 0xFFFFFFFFL) {
      throw new IllegalArgumentException("state file " + name + ": bad length or checksum");
    }
    List<TaskStateHandle.Entry> entries = new ArrayList<>();
    for (StateEntry e : handle.getEntriesList()) {
      if (e.getSubtask() < 0 || e.getParallelism() < 1 || e.getSubtask() >= e.getParallelism()) {
        throw new IllegalArgumentException(
            "state of "
                + e.getVertex()
                + ": subtask "
                + e.getSubtask()
                + " of "
                + e.getParallelism());
      }
      Map<StatePart, TaskStateHandle.Segment> parts = new EnumMap<>(StatePart.class);
      for (StateSegment s : e.getPartsList()) {
        StatePart part = StatePart.ofTag(s.getPart());
        if (part == null) {
          throw new IllegalArgumentException("unknown state part " + s.getPart());
        }
        if (s.getOffset() < 0
            || s.getLength() < 0
            || s.getOffset() + s.getLength() > handle.getLength()) {
          throw new IllegalArgumentException(
              "state part of " + e.getVertex() + " lies outside its file " + name);
        }
        parts.put(part, new TaskStateHandle.Segment(s.getOffset(), s.getLength()));
      }
      entries.add(
          new TaskStateHandle.Entry(
              e.getVertex(),
              e.getSubtask(),
              e.getParallelism(),
              new KeyGroupRange(e.getKeyGroupStart(), e.getKeyGroupEnd()),
              e.getFinished(),
              parts));
    }
    return new TaskStateHandle(name, handle.getLength(), handle.getCrc32(), entries);
  }
}
