package dev.weir.engine.checkpoint;

import dev.weir.state.KeyedStateBackend;
import dev.weir.state.PrivateFiles;
import dev.weir.state.SnapshotFormat;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
  public static final String METADATA = CheckpointMetadata.FILE_NAME;

  private final Path directory;

  /** Aborted checkpoints remembered (their folders); a late writer comes soon after the abort. */
  private static final int ABORTED_REMEMBERED = 1024;

  /**
   * Folders of recently aborted checkpoints: guards the commit of metadata against an abort, and
   * lets a writer that finishes after the abort delete what it wrote.
   */
  private final Set<Path> aborted =
      Collections.newSetFromMap(
          new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Path, Boolean> eldest) {
              return size() > ABORTED_REMEMBERED;
            }
          });

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
   * Writes a task's subtask states (already in memory) to {@code fileName} in the checkpoint's
   * folder.
   */
  public TaskStateHandle writeTaskState(
      long checkpointId, boolean savepoint, String fileName, List<SubtaskState> states)
      throws IOException {
    List<PendingSubtaskState> pending = new ArrayList<>();
    for (SubtaskState s : states) {
      Map<StatePart, KeyedStateBackend.StateSnapshot> parts = new EnumMap<>(StatePart.class);
      putBytes(parts, StatePart.OPERATOR_STATE, s.operatorState());
      putBytes(parts, StatePart.TIMERS, s.timers());
      putBytes(parts, StatePart.SOURCE_POSITION, s.sourcePosition());
      if (s.keyedState() != null) {
        SnapshotFormat.Source keyed = s.keyedState();
        parts.put(
            StatePart.KEYED_STATE,
            out -> {
              try (InputStream in = keyed.open()) {
                in.transferTo(out);
              }
            });
      }
      pending.add(
          new PendingSubtaskState(
              s.vertex(), s.subtaskIndex(), s.parallelism(), s.keyGroups(), s.finished(), parts));
    }
    return writeTaskStateStreaming(checkpointId, savepoint, fileName, pending);
  }

  private static void putBytes(
      Map<StatePart, KeyedStateBackend.StateSnapshot> parts, StatePart part, byte[] bytes) {
    if (bytes != null) {
      parts.put(part, out -> out.write(bytes));
    }
  }

  /**
   * Writes a task's subtask states to {@code fileName} in the checkpoint's folder, streaming each
   * part.
   */
  public TaskStateHandle writeTaskStateStreaming(
      long checkpointId, boolean savepoint, String fileName, List<PendingSubtaskState> states)
      throws IOException {
    Path folder = folderOf(checkpointId, savepoint);
    if (isAborted(folder)) {
      throw new IOException("checkpoint " + checkpointId + " was aborted");
    }
    Path file = folder.resolve(fileName);
    TaskStateHandle handle;
    try {
      PrivateFiles.createDirectories(folder);
      handle = TaskStateFiles.write(file, states);
    } catch (IOException | RuntimeException e) {
      deleteIfAborted(folder, file);
      throw e;
    }
    if (deleteIfAborted(folder, file)) {
      throw new IOException("checkpoint " + checkpointId + " was aborted while it was written");
    }
    return handle;
  }

  /**
   * Deletes {@code file} (and its folder, once empty) if its checkpoint was aborted: the folder's
   * discard may have run before the file was written, and nobody else would delete it.
   */
  private boolean deleteIfAborted(Path folder, Path file) throws IOException {
    synchronized (aborted) {
      if (!aborted.contains(folder)) {
        return false;
      }
      Files.deleteIfExists(file);
      try {
        Files.deleteIfExists(folder);
      } catch (DirectoryNotEmptyException othersStillWriting) {
        // the last of them deletes the folder
      }
      return true;
    }
  }

  private boolean isAborted(Path folder) {
    synchronized (aborted) {
      return aborted.contains(folder);
    }
  }

  /**
   * Completes a checkpoint: writes its metadata (to a temporary file, then moved into place
   * atomically). From then on the checkpoint can be restored.
   */
  public CompletedCheckpoint complete(
      long checkpointId, boolean savepoint, List<TaskStateHandle> handles) throws IOException {
    Path folder = folderOf(checkpointId, savepoint);
    if (isAborted(folder)) {
      // Its discard may have run already: creating the folder again would leave it behind.
      throw new IOException("checkpoint " + checkpointId + " was aborted");
    }
    PrivateFiles.createDirectories(folder);
    CheckpointMetadata metadata = new CheckpointMetadata(checkpointId, savepoint, handles);
    byte[] bytes = metadata.encode();
    Path temp = folder.resolve(METADATA + ".inprogress");
    try (FileChannel channel =
        FileChannel.open(
            temp,
            Set.of(
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE),
            PrivateFiles.ownerOnlyFile(folder))) {
      channel.write(ByteBuffer.wrap(bytes));
      channel.force(true);
    }
    try {
      synchronized (aborted) {
        if (deleteIfAborted(folder, temp)) {
          throw new IOException("checkpoint " + checkpointId + " was aborted");
        }
        Files.move(temp, folder.resolve(METADATA), StandardCopyOption.ATOMIC_MOVE);
      }
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException(
          "the file system of "
              + folder
              + " cannot rename files atomically; choose a checkpoint directory on a local or POSIX file system",
          e);
    }
    // The rename and the state files' names live in the folder, the folder's name in its parent:
    // synced, a crash cannot leave a completed checkpoint without them.
    syncDirectory(folder);
    syncDirectory(folder.getParent());
    return new CompletedCheckpoint(checkpointId, savepoint, folder, metadata.stateSize(), Map.of());
  }

  /** Forces a directory's entries to disk, where the platform allows opening a directory. */
  private static void syncDirectory(Path dir) throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (AccessDeniedException | UnsupportedOperationException e) {
      // Windows cannot open a directory as a channel; NTFS orders metadata updates itself
    }
  }

  /**
   * Makes an aborted checkpoint unusable at once: its metadata is deleted if it was written, and
   * {@link #complete} refuses it from now on, so no restore, in this process or another, can take
   * it while its folder waits for {@link #discard}. Cheap: at most one file is deleted.
   */
  public void markAborted(long checkpointId, boolean savepoint) {
    Path folder = folderOf(checkpointId, savepoint);
    synchronized (aborted) {
      aborted.add(folder);
      try {
        Files.deleteIfExists(folder.resolve(METADATA));
      } catch (IOException e) {
        LOG.warn("cannot delete the metadata of aborted checkpoint {}: {}", folder, e.toString());
      }
    }
  }

  /** Deletes a checkpoint's folder (an aborted checkpoint, or one no longer retained). */
  public void discard(long checkpointId, boolean savepoint) {
    Path folder = folderOf(checkpointId, savepoint);
    // Under the lock a late writer deletes its own file with: no file vanishes during the walk.
    synchronized (aborted) {
      deleteRecursively(folder);
    }
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
   * The newest completed checkpoint in this storage, loaded and checked. If it cannot be read (a
   * missing or corrupt file), this fails naming the file: the checkpoint completed, so sinks and
   * sources may already have committed what it covers, and restoring an older one could repeat or
   * lose data. With {@code fallBackToOlder} the ones before it are tried instead, and the risk is
   * logged.
   *
   * @return {@code null} when no checkpoint was ever completed here
   * @throws IOException when the newest checkpoint cannot be read (without {@code
   *     fallBackToOlder}), or none can
   */
  public CompletedCheckpoint latest(boolean fallBackToOlder) throws IOException {
    return latestUpTo(Long.MAX_VALUE, fallBackToOlder);
  }

  /**
   * Like {@link #latest(boolean)}, among the checkpoints up to {@code maxId}: a job's coordinator
   * knows which one it completed last, and a newer folder is one it aborted (its deletion may still
   * be under way) or never finished.
   */
  public CompletedCheckpoint latestUpTo(long maxId, boolean fallBackToOlder) throws IOException {
    List<Long> ids = checkpointIds(true);
    ids.removeIf(id -> id > maxId);
    if (ids.isEmpty()) {
      return null;
    }
    List<String> problems = new ArrayList<>();
    for (long id : ids) {
      Path folder = folderOf(id, false);
      try {
        return load(folder);
      } catch (IOException e) {
        if (!fallBackToOlder) {
          throw new IOException(
              "the newest checkpoint, "
                  + folder
                  + ", cannot be restored: "
                  + e.getMessage()
                  + ". It completed, so sinks and sources may have committed what it covers, and"
                  + " an older checkpoint could repeat or lose data: repair or restore it, or"
                  + " allow falling back to older checkpoints (--allowCheckpointFallback), at that"
                  + " risk",
              e);
        }
        LOG.warn(
            "checkpoint {} cannot be restored, trying the one before it (what it committed may be"
                + " lost or repeated): {}",
            folder,
            e.getMessage());
        problems.add(e.getMessage());
      }
    }
    throw new IOException(
        "no usable checkpoint in " + directory + ": " + String.join("; ", problems));
  }

  /** The newest completed checkpoint, failing if it cannot be read: {@code latest(false)}. */
  public CompletedCheckpoint latest() throws IOException {
    return latest(false);
  }

  /**
   * Loads a checkpoint or savepoint folder, or the newest usable checkpoint of a job-run folder
   * (one holding {@code chk-*} folders): what a user passes to resume a job.
   */
  public static CompletedCheckpoint loadPath(Path path) throws IOException {
    return loadPath(path, false);
  }

  /** Like {@link #loadPath(Path)}; a job-run folder's checkpoints as {@link #latest(boolean)}. */
  public static CompletedCheckpoint loadPath(Path path, boolean fallBackToOlder)
      throws IOException {
    if (Files.exists(path.resolve(METADATA))) {
      return load(path);
    }
    if (Files.isDirectory(path)) {
      CompletedCheckpoint latest = new CheckpointStorage(path).latest(fallBackToOlder);
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
    CheckpointMetadata decoded = CheckpointMetadata.decode(metadata, metadataFile);
    Map<String, List<SubtaskState>> states = new HashMap<>();
    for (TaskStateHandle h : decoded.files()) {
      Path file = folder.resolve(h.fileName());
      TaskStateFiles.verify(file, h.length(), h.crc32());
      for (TaskStateHandle.Entry e : h.entries()) {
        Map<StatePart, TaskStateHandle.Segment> parts = e.parts();
        TaskStateHandle.Segment keyed = parts.get(StatePart.KEYED_STATE);
        states
            .computeIfAbsent(e.vertex(), v -> new ArrayList<>())
            .add(
                new SubtaskState(
                    e.vertex(),
                    e.subtaskIndex(),
                    e.parallelism(),
                    e.keyGroups(),
                    read(file, parts.get(StatePart.OPERATOR_STATE)),
                    // Keyed state may be larger than the heap: streamed from its file when
                    // restored.
                    keyed == null
                        ? null
                        : SnapshotFormat.Source.ofFile(file, keyed.offset(), keyed.length()),
                    read(file, parts.get(StatePart.TIMERS)),
                    read(file, parts.get(StatePart.SOURCE_POSITION)),
                    e.finished()));
      }
    }
    for (List<SubtaskState> list : states.values()) {
      list.sort(Comparator.comparingInt(SubtaskState::subtaskIndex));
    }
    return new CompletedCheckpoint(
        decoded.checkpointId(), decoded.savepoint(), folder, decoded.stateSize(), states);
  }

  private static byte[] read(Path file, TaskStateHandle.Segment segment) throws IOException {
    return segment == null ? null : TaskStateFiles.read(file, segment);
  }

  private static void deleteRecursively(Path folder) {
    if (!Files.exists(folder)) {
      return;
    }
    try (var paths = Files.walk(folder)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("cannot delete {}: {}", folder, e.toString());
    }
  }
}
