package dev.weir.engine.checkpoint;

import dev.weir.state.KeyGroupRange;
import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.DataOutputView;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * The {@code _metadata} file of a checkpoint: its id, whether it is a savepoint, and every task
 * state file with its length, CRC-32 and the segments of each operator subtask's {@link
 * StatePart}s. Versioned: a magic number, then a format version this class checks before it reads
 * anything else; version 2 ends with a CRC-32 of everything before it, checked before anything is
 * decoded. Decoding trusts nothing: counts, lengths and segments are checked against what the bytes
 * and the files can hold, and every error names the file.
 *
 * <p>Version 2: magic "WECK", version, id, savepoint flag, file count; per file its name, length,
 * CRC-32 and entry count; per entry vertex, subtask, parallelism, first and last key group,
 * finished flag, part count, and per part its {@linkplain StatePart#tag() tag}, offset and length;
 * then the CRC-32 of all the bytes before it. Version 1 (still read) had no checksum and listed
 * every part, absent ones with offset -1, in the order OPERATOR_STATE, KEYED_STATE, TIMERS,
 * SOURCE_POSITION.
 */
record CheckpointMetadata(long checkpointId, boolean savepoint, List<TaskStateHandle> files) {

  static final String FILE_NAME = "_metadata";
  private static final int MAGIC = 0x5745434B; // "WECK"
  private static final int VERSION = 2;

  /** The parts of version 1, in the order its entries list them. */
  private static final StatePart[] V1_PARTS = {
    StatePart.OPERATOR_STATE, StatePart.KEYED_STATE, StatePart.TIMERS, StatePart.SOURCE_POSITION
  };

  /** Bytes of the state files it names. */
  long stateSize() {
    long size = 0;
    for (TaskStateHandle h : files) {
      size += h.length();
    }
    return size;
  }

  byte[] encode() throws IOException {
    DataOutputView out = new DataOutputView(1024);
    out.writeInt(MAGIC);
    out.writeInt(VERSION);
    out.writeLong(checkpointId);
    out.writeBoolean(savepoint);
    out.writeInt(files.size());
    for (TaskStateHandle h : files) {
      out.writeUTF(h.fileName());
      out.writeLong(h.length());
      out.writeLong(h.crc32());
      out.writeInt(h.entries().size());
      for (TaskStateHandle.Entry e : h.entries()) {
        out.writeUTF(e.vertex());
        out.writeInt(e.subtaskIndex());
        out.writeInt(e.parallelism());
        out.writeInt(e.keyGroups().start());
        out.writeInt(e.keyGroups().end());
        out.writeBoolean(e.finished());
        out.writeByte(e.parts().size());
        for (Map.Entry<StatePart, TaskStateHandle.Segment> part : e.parts().entrySet()) {
          out.writeByte(part.getKey().tag());
          out.writeLong(part.getValue().offset());
          out.writeInt(part.getValue().length());
        }
      }
    }
    CRC32 crc = new CRC32();
    crc.update(out.array(), 0, out.length());
    out.writeLong(crc.getValue());
    byte[] bytes = new byte[out.length()];
    System.arraycopy(out.array(), 0, bytes, 0, bytes.length);
    return bytes;
  }

  /** Reads the metadata {@code bytes} of {@code file} (named in errors). */
  static CheckpointMetadata decode(byte[] bytes, Path file) throws IOException {
    DataInputView in = new DataInputView(bytes);
    try {
      if (bytes.length < 8 || in.readInt() != MAGIC) {
        throw corrupt(file, "not a Weir checkpoint metadata file (bad magic number)");
      }
      int version = in.readInt();
      if (version != VERSION && version != 1) {
        throw new IOException(
            "checkpoint metadata "
                + file
                + " has version "
                + version
                + "; this Weir reads version "
                + VERSION);
      }
      int end = bytes.length;
      if (version >= 2) {
        end -= Long.BYTES;
        if (end < 8) {
          throw corrupt(file, "truncated");
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, end);
        if (crc.getValue() != ByteBuffer.wrap(bytes, end, Long.BYTES).getLong()) {
          throw corrupt(file, "checksum mismatch (the file was changed or damaged)");
        }
      }
      long id = in.readLong();
      boolean savepoint = in.readBoolean();
      int fileCount = count(in, bytes.length, file, "state files");
      List<TaskStateHandle> files = new ArrayList<>(fileCount);
      for (int f = 0; f < fileCount; f++) {
        String fileName = in.readUTF();
        if (fileName.isEmpty()
            || fileName.contains("/")
            || fileName.contains("\\")
            || fileName.startsWith(".")) {
          throw corrupt(file, "state file name '" + fileName + "' is not a plain file name");
        }
        long length = in.readLong();
        long crc = in.readLong();
        if (length < 0) {
          throw corrupt(file, "state file " + fileName + " has a negative length");
        }
        int entryCount = count(in, bytes.length, file, "entries");
        List<TaskStateHandle.Entry> entries = new ArrayList<>(entryCount);
        for (int i = 0; i < entryCount; i++) {
          String vertex = in.readUTF();
          int subtask = in.readInt();
          int parallelism = in.readInt();
          int firstKeyGroup = in.readInt();
          int lastKeyGroup = in.readInt();
          boolean finished = in.readBoolean();
          if (parallelism < 1 || subtask < 0 || subtask >= parallelism) {
            throw corrupt(file, "subtask " + subtask + " of " + parallelism + " of " + vertex);
          }
          Map<StatePart, TaskStateHandle.Segment> parts = new EnumMap<>(StatePart.class);
          int partCount = version == 1 ? V1_PARTS.length : in.readUnsignedByte();
          for (int p = 0; p < partCount; p++) {
            StatePart part = version == 1 ? V1_PARTS[p] : StatePart.ofTag(in.readUnsignedByte());
            long offset = in.readLong();
            int partLength = in.readInt();
            if (version == 1 && offset < 0) {
              continue; // absent
            }
            if (part == null) {
              throw corrupt(file, vertex + " has a state part this version of Weir does not know");
            }
            if (offset < 0 || partLength < 0 || offset + partLength > length) {
              throw corrupt(
                  file, "the " + part + " of " + vertex + " lies beyond the end of " + fileName);
            }
            if (parts.put(part, new TaskStateHandle.Segment(offset, partLength)) != null) {
              throw corrupt(file, "the " + part + " of " + vertex + " is listed twice");
            }
          }
          entries.add(
              new TaskStateHandle.Entry(
                  vertex,
                  subtask,
                  parallelism,
                  new KeyGroupRange(firstKeyGroup, lastKeyGroup),
                  finished,
                  parts));
        }
        files.add(new TaskStateHandle(fileName, length, crc, entries));
      }
      if (in.position() != end) {
        throw corrupt(file, (end - in.position()) + " bytes follow the last entry");
      }
      return new CheckpointMetadata(id, savepoint, files);
    } catch (EOFException e) {
      throw corrupt(file, "truncated");
    } catch (IllegalArgumentException e) { // a key-group range that cannot be
      throw corrupt(file, e.getMessage());
    }
  }

  /** A count that the remaining bytes could hold at all (each item takes at least one byte). */
  private static int count(DataInputView in, int totalBytes, Path file, String what)
      throws IOException {
    int n = in.readInt();
    if (n < 0 || n > totalBytes) {
      throw corrupt(file, "it claims " + n + " " + what);
    }
    return n;
  }

  private static IOException corrupt(Path file, String why) {
    return new IOException("checkpoint metadata " + file + " is corrupt: " + why);
  }
}
