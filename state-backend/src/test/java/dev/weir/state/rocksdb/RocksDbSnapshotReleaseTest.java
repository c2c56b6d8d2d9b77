package dev.weir.state.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.state.KeyGroupRange;
import dev.weir.state.KeyedStateBackend;
import dev.weir.state.KeyedStateBackend.StateSnapshot;
import dev.weir.state.StateSpec;
import dev.weir.state.ValueState;
import dev.weir.state.serialization.Serializers;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, point 8: a RocksDB snapshot used to be released only when it was written, so a
 * checkpoint that failed before writing pinned it, and {@code close()} then never closed the
 * database: its folder, native memory and files stayed behind.
 */
class RocksDbSnapshotReleaseTest {

  private static final int MAX = 16;
  private static final StateSpec<Void, ValueState<Void, Long>> COUNT =
      StateSpec.value("count", Serializers.VOID, Serializers.LONG);

  @TempDir Path dir;

  private KeyedStateBackend<Long> filled() throws Exception {
    KeyedStateBackend<Long> b =
        new RocksDbStateBackendFactory(dir)
            .create("op", 0, Serializers.LONG, KeyGroupRange.of(0, MAX - 1), MAX);
    ValueState<Void, Long> count = b.state(COUNT);
    for (long k = 0; k < 100; k++) {
      b.setCurrentKey(k);
      count.update(null, k);
    }
    return b;
  }

  private long entriesIn(Path folder) throws Exception {
    try (Stream<Path> files = Files.list(folder)) {
      return files.count();
    }
  }

  @Test
  void aSnapshotReleasedWithoutBeingWrittenLetsTheDatabaseCloseAndItsFolderGo() throws Exception {
    KeyedStateBackend<Long> b = filled();
    StateSnapshot neverWritten = b.snapshotAsync(b.keyGroupRange());
    StateSnapshot written = b.snapshotAsync(b.keyGroupRange());
    written.writeTo(new ByteArrayOutputStream());
    assertThat(entriesIn(dir)).as("the database's folder while it is open").isEqualTo(1);

    neverWritten.release(); // the checkpoint failed before writing
    b.close();
    assertThat(entriesIn(dir)).as("folders left after close").isZero();
    assertThatThrownBy(() -> neverWritten.writeTo(new ByteArrayOutputStream()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("released");
  }

  @Test
  void closingWhileASnapshotIsPendingClosesOnceItIsReleased() throws Exception {
    KeyedStateBackend<Long> b = filled();
    StateSnapshot pending = b.snapshotAsync(b.keyGroupRange());
    b.close();
    assertThat(entriesIn(dir)).as("kept while the snapshot may still be written").isEqualTo(1);
    pending.release();
    pending.release(); // twice is harmless
    assertThat(entriesIn(dir)).as("folders left after the release").isZero();
  }
}
