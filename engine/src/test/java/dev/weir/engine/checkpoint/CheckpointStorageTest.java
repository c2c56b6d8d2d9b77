package dev.weir.engine.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.weir.state.KeyGroupRange;
import dev.weir.state.SnapshotFormat;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStorageTest {

  @TempDir Path dir;

  private static SubtaskState state(String vertex, int subtask, byte marker) {
    return new SubtaskState(
        vertex,
        subtask,
        2,
        new KeyGroupRange(subtask * 64, subtask * 64 + 63),
        new byte[] {marker},
        SnapshotFormat.Source.of(new byte[] {marker, marker}),
        null,
        new byte[] {1, 2, 3},
        false);
  }

  private CompletedCheckpoint write(CheckpointStorage storage, long id, byte marker)
      throws IOException {
    TaskStateHandle a =
        storage.writeTaskState(
            id,
            false,
            "task-0000.state",
            List.of(state("map", 0, marker), state("sum", 0, marker)));
    TaskStateHandle b =
        storage.writeTaskState(id, false, "task-0001.state", List.of(state("map", 1, marker)));
    return storage.complete(id, false, List.of(a, b));
  }

  @Test
  void aCompletedCheckpointLoadsBackWithEveryPart() throws IOException {
    CheckpointStorage storage = new CheckpointStorage(dir);
    write(storage, 1, (byte) 7);
    CompletedCheckpoint loaded = storage.latest();
    assertThat(loaded.id()).isEqualTo(1);
    assertThat(loaded.statesOf("map")).hasSize(2);
    SubtaskState s = loaded.statesOf("map").get(1);
    assertThat(s.subtaskIndex()).isEqualTo(1);
    assertThat(s.keyGroups()).isEqualTo(new KeyGroupRange(64, 127));
    assertThat(s.operatorState()).containsExactly(7);
    assertThat(s.keyedState().readAll())
        .as("keyed state, streamed from its file")
        .containsExactly(7, 7);
    assertThat(s.timers()).isNull();
    assertThat(s.sourcePosition()).containsExactly(1, 2, 3);
    assertThat(loaded.statesOf("sum")).hasSize(1);
    assertThat(loaded.statesOf("unknown")).isEmpty();
  }

  /** Issue 12, point 5: checkpoint folders and files used to get default permissions. */
  @Test
  void checkpointFoldersAndFilesAreTheOwnersAlone() throws IOException {
    assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
    CheckpointStorage storage = new CheckpointStorage(dir.resolve("run"));
    CompletedCheckpoint done = write(storage, 1, (byte) 7);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("run"))))
        .isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(done.folder())))
        .isEqualTo("rwx------");
    try (Stream<Path> files = Files.list(done.folder())) {
      for (Path f : files.toList()) {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
            .as("%s", f.getFileName())
            .isEqualTo("rw-------");
      }
    }
  }

  /**
   * Issue 12, point 9: an aborted checkpoint's deletion was only queued, and a completion racing
   * the abort could write its metadata meanwhile, so a restart could pick a folder being deleted.
   */
  @Test
  void anAbortedCheckpointIsUnusableAsSoonAsTheAbortReturns() throws IOException {
    CheckpointStorage storage = new CheckpointStorage(dir);
    write(storage, 1, (byte) 1);

    write(storage, 2, (byte) 2); // the completion won the race
    storage.markAborted(2, false);
    assertThat(storage.folderOf(2, false).resolve(CheckpointStorage.METADATA)).doesNotExist();
    assertThat(storage.latest().id()).isEqualTo(1);

    storage.markAborted(3, false); // the abort won the race
    assertThatThrownBy(() -> write(storage, 3, (byte) 3))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("checkpoint 3 was aborted");
    assertThat(storage.folderOf(3, false).resolve(CheckpointStorage.METADATA)).doesNotExist();
    assertThat(storage.latest().id()).isEqualTo(1);
  }

  @Test
  void aFolderWithoutMetadataIsNotACheckpoint() throws IOException {
    CheckpointStorage storage = new CheckpointStorage(dir);
    write(storage, 1, (byte) 1);
    storage.writeTaskState(2, false, "task-0000.state", List.of(state("map", 0, (byte) 2)));
    assertThat(storage.latest().id()).isEqualTo(1);
  }

  @Test
  void aCorruptNewestCheckpointFailsNamingItsFileUnlessFallingBackIsAllowed() throws IOException {
    CheckpointStorage storage = new CheckpointStorage(dir);
    write(storage, 1, (byte) 1);
    write(storage, 2, (byte) 2);
    Path file = storage.folderOf(2, false).resolve("task-0001.state");
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(0);
      f.write(99);
    }
    assertThatThrownBy(storage::latest)
        .as("issue 12, point 1: today's code fell back silently")
        .hasMessageContaining("the newest checkpoint, " + storage.folderOf(2, false))
        .hasMessageContaining(file.toString())
        .hasMessageContaining("--allowCheckpointFallback");
    assertThatThrownBy(() -> CheckpointStorage.loadPath(dir)).hasMessageContaining(file.toString());
    CompletedCheckpoint loaded = storage.latest(true);
    assertThat(loaded.id()).isEqualTo(1);
    assertThat(loaded.statesOf("map").get(0).operatorState()).containsExactly(1);
    assertThatThrownBy(() -> CheckpointStorage.load(storage.folderOf(2, false)))
        .hasMessageContaining(file.toString())
        .hasMessageContaining("corrupt");
  }

  @Test
  void aMissingFileFallsBackAndWithNoUsableCheckpointTheErrorNamesTheDirectory()
      throws IOException {
    CheckpointStorage storage = new CheckpointStorage(dir);
    write(storage, 1, (byte) 1);
    write(storage, 2, (byte) 2);
    Files.delete(storage.folderOf(2, false).resolve("task-0000.state"));
    assertThat(storage.latest(true).id()).isEqualTo(1);
    Files.write(storage.folderOf(1, false).resolve("task-0000.state"), new byte[] {1});
    assertThatThrownBy(() -> storage.latest(true))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("no usable checkpoint in " + dir)
        .hasMessageContaining("task-0000.state");
  }

  @Test
  void anEmptyStorageHasNoLatestCheckpoint() throws IOException {
    assertThat(new CheckpointStorage(dir.resolve("never-written")).latest()).isNull();
  }

  @Test
  void retainKeepsTheNewestCompletedCheckpointsAndDropsOlderFolders() throws IOException {
    CheckpointStorage storage = new CheckpointStorage(dir);
    for (long id = 1; id <= 4; id++) {
      write(storage, id, (byte) id);
    }
    storage.writeTaskState(5, false, "task-0000.state", List.of(state("map", 0, (byte) 5)));
    storage.retain(2);
    assertThat(Files.exists(storage.folderOf(1, false))).isFalse();
    assertThat(Files.exists(storage.folderOf(2, false))).isFalse();
    assertThat(Files.exists(storage.folderOf(3, false))).isTrue();
    assertThat(Files.exists(storage.folderOf(4, false))).isTrue();
    assertThat(Files.exists(storage.folderOf(5, false)))
        .as("in progress, newer than the retained ones")
        .isTrue();
  }

  @Test
  void loadPathAcceptsACheckpointFolderOrAJobFolder() throws IOException {
    CheckpointStorage storage = new CheckpointStorage(dir);
    write(storage, 1, (byte) 1);
    write(storage, 2, (byte) 2);
    assertThat(CheckpointStorage.loadPath(storage.folderOf(1, false)).id()).isEqualTo(1);
    assertThat(CheckpointStorage.loadPath(dir).id()).isEqualTo(2);
    assertThatThrownBy(() -> CheckpointStorage.loadPath(dir.resolve("nothing-here")))
        .hasMessageContaining("no checkpoint or savepoint at " + dir.resolve("nothing-here"));
  }
}
