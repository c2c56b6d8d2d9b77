package dev.weir.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.state.heap.HeapStateBackendFactory;
import dev.weir.state.rocksdb.RocksDbStateBackendFactory;
import dev.weir.state.serialization.Serializers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 12, point 7: snapshots stored a state's kind as its enum ordinal, so reordering {@link
 * StateSpec.Kind} would have read every existing checkpoint wrongly. Version 2 stores explicit
 * codes; version 1 is still read.
 */
class SnapshotFormatVersionTest {

  private static final int MAX = 8;
  private static final StateSpec<Void, ValueState<Void, Long>> COUNT =
      StateSpec.value("count", Serializers.VOID, Serializers.LONG);

  @TempDir Path dir;

  private KeyedStateBackend<Long> backend(String kind) throws IOException {
    KeyedStateBackendFactory factory =
        kind.equals("heap")
            ? HeapStateBackendFactory.INSTANCE
            : new RocksDbStateBackendFactory(dir);
    return factory.create("op", 0, Serializers.LONG, KeyGroupRange.of(0, MAX - 1), MAX);
  }

  /** The snapshot of one key's count; {@code kindAt} receives where the kind byte is. */
  private byte[] snapshotOfOneCount(String kind, int[] kindAt) throws IOException {
    KeyedStateBackend<Long> b = backend(kind);
    try {
      b.setCurrentKey(42L);
      b.state(COUNT).update(null, 7L);
      byte[] snapshot = b.snapshot(b.keyGroupRange());
      // magic, version, max parallelism, state count, then the name as writeUTF writes it
      ByteBuffer in = ByteBuffer.wrap(snapshot);
      assertThat(in.getInt(4)).as("format version").isEqualTo(SnapshotFormat.VERSION);
      int nameLength = in.getInt(16);
      assertThat(new String(snapshot, 20, nameLength, StandardCharsets.UTF_8)).isEqualTo("count");
      kindAt[0] = 20 + nameLength;
      assertThat(snapshot[kindAt[0]]).isEqualTo((byte) StateSpec.Kind.VALUE.code());
      return snapshot;
    } finally {
      b.close();
    }
  }

  private Long restoredCount(String kind, byte[] snapshot) throws IOException {
    KeyedStateBackend<Long> b = backend(kind);
    try {
      b.restore(List.of(snapshot));
      b.setCurrentKey(42L);
      return b.state(COUNT).value(null);
    } finally {
      b.close();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"heap", "rocksdb"})
  void versionOneSnapshotsWithOrdinalKindsAreStillRead(String kind) throws IOException {
    int[] kindAt = new int[1];
    byte[] v1 = snapshotOfOneCount(kind, kindAt);
    ByteBuffer.wrap(v1).putInt(4, 1);
    v1[kindAt[0]] = (byte) 0; // VALUE's ordinal
    assertThat(restoredCount(kind, v1)).isEqualTo(7L);
  }

  @ParameterizedTest
  @ValueSource(strings = {"heap", "rocksdb"})
  void anUnknownKindIsAnIOExceptionNamingIt(String kind) throws IOException {
    int[] kindAt = new int[1];
    byte[] snapshot = snapshotOfOneCount(kind, kindAt);
    snapshot[kindAt[0]] = 9;
    assertThatThrownBy(() -> restoredCount(kind, snapshot))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("unknown state kind 9");
  }
}
