package dev.weir.engine.checkpoint;

import dev.weir.state.KeyedStateBackend.StateSnapshot;
import dev.weir.state.PrivateFiles;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * A task's state file: written by streaming each part of each operator subtask into it, counted and
 * checksummed on the way; checked (length and CRC-32 from the metadata) before a restore trusts any
 * byte of it. Stateless; any thread.
 */
final class TaskStateFiles {

  private TaskStateFiles() {}

  /** Writes {@code states} into {@code file} (replacing it) and forces it to disk. */
  static TaskStateHandle write(Path file, List<PendingSubtaskState> states) throws IOException {
    CRC32 crc = new CRC32();
    List<TaskStateHandle.Entry> entries = new ArrayList<>();
    long length;
    try (FileChannel channel =
            FileChannel.open(
                file,
                Set.of(
                    StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE),
                PrivateFiles.ownerOnlyFile(file.getParent()));
        OutputStream raw = new BufferedOutputStream(Channels.newOutputStream(channel), 64 * 1024)) {
      CountingCrcStream out = new CountingCrcStream(raw, crc);
      for (PendingSubtaskState s : states) {
        Map<StatePart, TaskStateHandle.Segment> segments = new EnumMap<>(StatePart.class);
        for (StatePart part : StatePart.values()) {
          StateSnapshot snapshot = s.parts().get(part);
          if (snapshot == null) {
            continue;
          }
          long offset = out.count;
          snapshot.writeTo(out);
          long partLength = out.count - offset;
          if (partLength > Integer.MAX_VALUE) {
            throw new IOException(
                "the "
                    + part
                    + " of "
                    + s.vertex()
                    + " is larger than 2 GiB; split it over more key groups (raise the parallelism)");
          }
          segments.put(part, new TaskStateHandle.Segment(offset, (int) partLength));
        }
        entries.add(
            new TaskStateHandle.Entry(
                s.vertex(),
                s.subtaskIndex(),
                s.parallelism(),
                s.keyGroups(),
                s.finished(),
                segments));
      }
      out.flush();
      length = out.count;
      channel.force(true);
    }
    return new TaskStateHandle(file.getFileName().toString(), length, crc.getValue(), entries);
  }

  /**
   * Checks a state file's length and checksum, reading it in chunks (it may be larger than the
   * heap).
   */
  static void verify(Path file, long length, long crc) throws IOException {
    long actualLength = 0;
    CRC32 actual = new CRC32();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] chunk = new byte[256 * 1024];
      int n;
      while ((n = in.read(chunk)) > 0) {
        actual.update(chunk, 0, n);
        actualLength += n;
      }
    } catch (NoSuchFileException e) {
      throw new IOException("checkpoint file " + file + " is missing", e);
    }
    if (actualLength != length) {
      throw new IOException(
          "checkpoint file "
              + file
              + " is corrupt: "
              + actualLength
              + " bytes, expected "
              + length);
    }
    if (actual.getValue() != crc) {
      throw new IOException("checkpoint file " + file + " is corrupt: checksum mismatch");
    }
  }

  /** The bytes of {@code segment} of a verified file. */
  static byte[] read(Path file, TaskStateHandle.Segment segment) throws IOException {
    byte[] bytes = new byte[segment.length()];
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      long position = segment.offset();
      while (buffer.hasRemaining()) {
        int n = channel.read(buffer, position);
        if (n < 0) {
          throw new IOException(
              "checkpoint file " + file + " ends before its state part at " + segment.offset());
        }
        position += n;
      }
    }
    return bytes;
  }

  /** Counts and checksums what passes through. */
  private static final class CountingCrcStream extends FilterOutputStream {
    long count;
    private final CRC32 crc;

    CountingCrcStream(OutputStream out, CRC32 crc) {
      super(out);
      this.crc = crc;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      crc.update(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      crc.update(b, off, len);
      count += len;
    }
  }
}
