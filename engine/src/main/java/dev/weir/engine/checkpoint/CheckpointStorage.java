package dev.weir.engine.checkpoint;

import dev.weir.state.KeyGroupRange;
import dev.weir.state.KeyedStateBackend;
import dev.weir.state.SnapshotFormat;
import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.DataOutputView;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints of one job run in a directory: a folder per checkpoint ({@code chk-<id>}) or
 * savepoint ({@code savepoint-<id>}) holding one state file per task and a {@code _metadata} file
 * that is written last and moved into place atomically, so a folder without it is an incomplete
 * checkpoint. Every state file's length and CRC-32 are in the metadata; a restore checks them.
 * Thread-safe: tasks write their files concurrently.
 */
public final class CheckpointStorage {

  private static final Logger LOG = LoggerFactory.getLogger(CheckpointStorage.class);
  public static final String METADATA = "_metadata";
  private static final int METADATA_MAGIC = 0x5745434B; // "WECK"
  private static final int METADATA_VERSION = 1;

  private final Path directory;

  /** Storage in {@code directory} (the folder of one job run; created on the first write). */
  public CheckpointStorage(Path directory) {
    this.directory = directory;
  }

  public Path directory() {
    return directory;
  }

  public Path folderOf(long checkpointId, boolean savepoint) {
    return directory.resolve((savepoint ? "savepoint-" : "chk-") + checkpointId);
  }

  /**
   * A subtask's state still to be written: its four parts (operator state, keyed state, timers,
   * source position) stream into the file; a {@code null} part is absent.
   */
  public record PendingSubtaskState(
      String vertex,
      int subtaskIndex,
      int parallelism,
      KeyGroupRange keyGroups,
      boolean finished,
      KeyedStateBackend.StateSnapshot[] parts) {}

  /**
   * Writes a task's subtask states (already in memory) to {@code fileName} in the checkpoint's
   * folder.
   */
  public TaskStateHandle writeTaskState(
      long checkpointId, boolean savepoint, String fileName, List<SubtaskState> states)
      throws IOException {
    List<PendingSubtaskState> pending = new ArrayList<>();
    for (SubtaskState s : states) {
      byte[][] bytes = {s.operatorState(), null, s.timers(), s.sourcePosition()};
      KeyedStateBackend.StateSnapshot[] parts = new KeyedStateBackend.StateSnapshot[4];
      for (int i = 0; i < 4; i++) {
        byte[] b = bytes[i];
        parts[i] = b == null ? null : out -> out.write(b);
      }
      if (s.keyedState() != null) {
        SnapshotFormat.Source keyed = s.keyedState();
        parts[1] =
            out -> {
              try (InputStream in = keyed.open()) {
                in.transferTo(out);
              }
            };
      }
      pending.add(
          new PendingSubtaskState(
              s.vertex(), s.subtaskIndex(), s.parallelism(), s.keyGroups(), s.finished(), parts));
    }
    return writeTaskStateStreaming(checkpointId, savepoint, fileName, pending);
  }

  /**
   * Writes a task's subtask states to {@code fileName} in the checkpoint's folder, streaming each
   * part.
   */
  public TaskStateHandle writeTaskStateStreaming(
      long checkpointId, boolean savepoint, String fileName, List<PendingSubtaskState> states)
      throws IOException {
    Path folder = folderOf(checkpointId, savepoint);
    Files.createDirectories(folder);
    Path file = folder.resolve(fileName);
    CRC32 crc = new CRC32();
    List<TaskStateHandle.Entry> entries = new ArrayList<>();
    long position = 0;
    try (FileChannel channel =
            FileChannel.open(
                file,
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        OutputStream raw = new BufferedOutputStream(Channels.newOutputStream(channel), 64 * 1024)) {
      CountingCrcStream out = new CountingCrcStream(raw, crc);
      for (PendingSubtaskState s : states) {
        long[] offsets = new long[4];
        int[] lengths = new int[4];
        for (int i = 0; i < 4; i++) {
          if (s.parts()[i] == null) {
            offsets[i] = -1;
            continue;
          }
          offsets[i] = out.count;
          s.parts()[i].writeTo(out);
          long length = out.count - offsets[i];
          if (length > Integer.MAX_VALUE) {
            throw new IOException(
                "a state part of "
                    + s.vertex()
                    + " is larger than 2 GiB; split it over more key groups (raise the parallelism)");
          }
          lengths[i] = (int) length;
        }
        entries.add(
            new TaskStateHandle.Entry(
                s.vertex(),
                s.subtaskIndex(),
                s.parallelism(),
                s.keyGroups().start(),
                s.keyGroups().end(),
                s.finished(),
                offsets,
                lengths));
      }
      out.flush();
      position = out.count;
      channel.force(true);
    }
    return new TaskStateHandle(fileName, position, crc.getValue(), entries);
  }

  /**
   * Completes a checkpoint: writes its metadata (to a temporary file, then moved into place
   * atomically). From then on the checkpoint can be restored.
   */
  public CompletedCheckpoint complete(
      long checkpointId, boolean savepoint, List<TaskStateHandle> handles) throws IOException {
    Path folder = folderOf(checkpointId, savepoint);
    Files.createDirectories(folder);
    DataOutputView out = new DataOutputView(1024);
    out.writeInt(METADATA_MAGIC);
    out.writeInt(METADATA_VERSION);
    out.writeLong(checkpointId);
    out.writeBoolean(savepoint);
    out.writeInt(handles.size());
    long size = 0;
    for (TaskStateHandle h : handles) {
      size += h.length();
      out.writeUTF(h.fileName());
      out.writeLong(h.length());
      out.writeLong(h.crc32());
      out.writeInt(h.entries().size());
      for (TaskStateHandle.Entry e : h.entries()) {
        out.writeUTF(e.vertex());
        out.writeInt(e.subtaskIndex());
        out.writeInt(e.parallelism());
        out.writeInt(e.keyGroupStart());
        out.writeInt(e.keyGroupEnd());
        out.writeBoolean(e.finished());
        for (int i = 0; i < e.offsets().length; i++) {
          out.writeLong(e.offsets()[i]);
          out.writeInt(e.lengths()[i]);
        }
      }
    }
    Path temp = folder.resolve(METADATA + ".inprogress");
    try (FileChannel channel =
        FileChannel.open(
            temp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      channel.write(ByteBuffer.wrap(out.array(), 0, out.length()));
      channel.force(true);
    }
    try {
      Files.move(temp, folder.resolve(METADATA), StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException(
          "the file system of "
              + folder
              + " cannot rename files atomically; choose a checkpoint directory on a local or POSIX file system",
          e);
    }
    return new CompletedCheckpoint(checkpointId, savepoint, folder, size, Map.of());
  }

  /** Deletes a checkpoint's folder (an aborted checkpoint, or one no longer retained). */
  public void discard(long checkpointId, boolean savepoint) {
    deleteRecursively(folderOf(checkpointId, savepoint));
  }

  /**
   * Keeps the newest {@code retained} completed checkpoints (not savepoints) and deletes older
   * checkpoint folders, complete or not.
   */
  public void retain(int retained) {
    List<Long> complete = checkpointIds(true);
    if (complete.size() <= retained) {
      return;
    }
    long oldestKept = complete.get(retained - 1);
    for (long id : checkpointIds(false)) {
      if (id < oldestKept) {
        discard(id, false);
      }
    }
  }

  /**
   * Ids of the checkpoint folders, newest first; only those with metadata when {@code
   * completeOnly}.
   */
  private List<Long> checkpointIds(boolean completeOnly) {
    List<Long> ids = new ArrayList<>();
    if (!Files.isDirectory(directory)) {
      return ids;
    }
    try (DirectoryStream<Path> folders = Files.newDirectoryStream(directory, "chk-*")) {
      for (Path f : folders) {
        try {
          long id = Long.parseLong(f.getFileName().toString().substring(4));
          if (!completeOnly || Files.exists(f.resolve(METADATA))) {
            ids.add(id);
          }
        } catch (NumberFormatException ignored) {
          // not one of ours
        }
      }
    } catch (IOException e) {
      LOG.warn("cannot list checkpoints in {}: {}", directory, e.toString());
    }
    ids.sort(Comparator.reverseOrder());
    return ids;
  }

  /**
   * The newest checkpoint in this storage that loads completely: a checkpoint with a missing or
   * corrupt file is skipped (its file is named in the log) and the one before it is tried.
   *
   * @return {@code null} when no checkpoint was ever completed here
   * @throws IOException when checkpoints exist but none of them can be read
   */
  public CompletedCheckpoint latest() throws IOException {
    List<Long> ids = checkpointIds(true);
    if (ids.isEmpty()) {
      return null;
    }
    List<String> problems = new ArrayList<>();
    for (long id : ids) {
      Path folder = folderOf(id, false);
      try {
        return load(folder);
      } catch (IOException e) {
        LOG.warn(
            "checkpoint {} cannot be restored, trying the one before it: {}",
            folder,
            e.getMessage());
        problems.add(e.getMessage());
      }
    }
    throw new IOException(
        "no usable checkpoint in " + directory + ": " + String.join("; ", problems));
  }

  /**
   * Loads a checkpoint or savepoint folder, or the newest usable checkpoint of a job-run folder
   * (one holding {@code chk-*} folders): what a user passes to resume a job.
   */
  public static CompletedCheckpoint loadPath(Path path) throws IOException {
    if (Files.exists(path.resolve(METADATA))) {
      return load(path);
    }
    if (Files.isDirectory(path)) {
      CompletedCheckpoint latest = new CheckpointStorage(path).latest();
      if (latest != null) {
        return latest;
      }
    }
    throw new IOException(
        "no checkpoint or savepoint at "
            + path
            + ": expected a folder with a "
            + METADATA
            + " file, or a job folder with chk-<n> folders");
  }

  /** Reads a checkpoint folder and every state file it names, checking lengths and checksums. */
  public static CompletedCheckpoint load(Path folder) throws IOException {
    Path metadataFile = folder.resolve(METADATA);
    byte[] metadata;
    try {
      metadata = Files.readAllBytes(metadataFile);
    } catch (NoSuchFileException e) {
      throw new IOException("checkpoint metadata " + metadataFile + " is missing", e);
    }
    try {
      DataInputView in = new DataInputView(metadata);
      if (in.readInt() != METADATA_MAGIC) {
        throw new IOException(
            "checkpoint metadata " + metadataFile + " is corrupt (bad magic number)");
      }
      int version = in.readInt();
      if (version != METADATA_VERSION) {
        throw new IOException(
            "checkpoint metadata "
                + metadataFile
                + " has version "
                + version
                + "; this Weir reads version "
                + METADATA_VERSION);
      }
      long id = in.readLong();
      boolean savepoint = in.readBoolean();
      int handles = in.readInt();
      Map<String, List<SubtaskState>> states = new HashMap<>();
      long size = 0;
      for (int h = 0; h < handles; h++) {
        String fileName = in.readUTF();
        long length = in.readLong();
        long crc = in.readLong();
        Path file = folder.resolve(fileName);
        verifyChecked(file, length, crc);
        size += length;
        int entries = in.readInt();
        for (int i = 0; i < entries; i++) {
          String vertex = in.readUTF();
          int subtask = in.readInt();
          int parallelism = in.readInt();
          int kgStart = in.readInt();
          int kgEnd = in.readInt();
          boolean finished = in.readBoolean();
          byte[][] parts = new byte[4][];
          SnapshotFormat.Source keyed = null;
          for (int p = 0; p < 4; p++) {
            long offset = in.readLong();
            int partLength = in.readInt();
            if (offset < 0) {
              continue;
            }
            if (offset + partLength > length) {
              throw new IOException(
                  "checkpoint metadata "
                      + metadataFile
                      + " is corrupt: a part of "
                      + vertex
                      + " lies beyond the end of "
                      + file);
            }
            if (p == 1) {
              keyed =
                  SnapshotFormat.Source.ofFile(file, offset, partLength); // streamed when restored
            } else {
              parts[p] = readSegment(file, offset, partLength);
            }
          }
          states
              .computeIfAbsent(vertex, v -> new ArrayList<>())
              .add(
                  new SubtaskState(
                      vertex,
                      subtask,
                      parallelism,
                      new KeyGroupRange(kgStart, kgEnd),
                      parts[0],
                      keyed,
                      parts[2],
                      parts[3],
                      finished));
        }
      }
      for (List<SubtaskState> list : states.values()) {
        list.sort(Comparator.comparingInt(SubtaskState::subtaskIndex));
      }
      return new CompletedCheckpoint(id, savepoint, folder, size, states);
    } catch (EOFException e) {
      throw new IOException("checkpoint metadata " + metadataFile + " is corrupt (truncated)", e);
    }
  }

  /**
   * Checks a state file's length and checksum, reading it in chunks (it may be larger than the
   * heap).
   */
  private static void verifyChecked(Path file, long length, long crc) throws IOException {
    long actualLength;
    CRC32 actual = new CRC32();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] chunk = new byte[256 * 1024];
      long total = 0;
      int n;
      while ((n = in.read(chunk)) > 0) {
        actual.update(chunk, 0, n);
        total += n;
      }
      actualLength = total;
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

  private static byte[] readSegment(Path file, long offset, int length) throws IOException {
    byte[] bytes = new byte[length];
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      long position = offset;
      while (buffer.hasRemaining()) {
        int n = channel.read(buffer, position);
        if (n < 0) {
          throw new IOException(
              "checkpoint file " + file + " ends before its state part at " + offset);
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

  private static void deleteRecursively(Path folder) {
    if (!Files.exists(folder)) {
      return;
    }
    try (var paths = Files.walk(folder)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      LOG.warn("cannot delete {}: {}", folder, e.toString());
    }
  }
}
