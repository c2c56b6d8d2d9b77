package dev.weir.state.rocksdb;

import dev.weir.state.KeyGroupRange;
import dev.weir.state.SnapshotFormat;
import dev.weir.state.StateSpec;
import dev.weir.state.serialization.DataOutputView;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksIterator;

/**
 * Streams a RocksDB snapshot in the common {@link SnapshotFormat}: per state and key group a block
 * of entries, copied byte for byte from the RocksDB keys and values (no deserialization); a map
 * entry gathers the consecutive RocksDB entries of one (key, namespace).
 */
final class RocksDbSnapshotWriter {

  /**
   * Restored blocks of a state not declared yet, written back as they came: {key group, offset,
   * length} per block.
   */
  record PendingState(String name, StateSpec.Kind kind, List<byte[]> blocks, List<int[]> where) {}

  private final RocksDB db;
  private final int maxParallelism;

  RocksDbSnapshotWriter(RocksDB db, int maxParallelism) {
    this.db = db;
    this.maxParallelism = maxParallelism;
  }

  void write(
      DataOutputStream out,
      KeyGroupRange keyGroups,
      ReadOptions read,
      List<RocksDbKeyedStateBackend.Column<?>> captured,
      List<PendingState> pending)
      throws IOException {
    out.writeInt(SnapshotFormat.MAGIC);
    out.writeInt(SnapshotFormat.VERSION);
    out.writeInt(maxParallelism);
    out.writeInt(captured.size() + pending.size());
    for (PendingState p : pending) {
      writeName(out, p.name());
      out.writeByte(p.kind().code());
      out.writeInt(p.blocks().size());
      for (int i = 0; i < p.blocks().size(); i++) {
        int[] w = p.where().get(i);
        out.writeInt(w[0]);
        out.writeInt(w[2]);
        out.write(p.blocks().get(i), w[1], w[2]);
      }
    }
    DataOutputView block = new DataOutputView(64 * 1024);
    DataOutputView mapEntry = new DataOutputView(1024);
    for (RocksDbKeyedStateBackend.Column<?> column : captured) {
      writeName(out, column.name);
      StateSpec.Kind kind = column.spec.kind();
      out.writeByte(kind.code());
      try (RocksIterator it = db.newIterator(column.handle, read)) {
        List<Integer> nonEmpty = new ArrayList<>();
        for (int kg = keyGroups.start(); kg <= keyGroups.end(); kg++) {
          it.seek(new byte[] {(byte) (kg >>> 8), (byte) kg});
          if (it.isValid() && RocksDbKeys.keyGroupOf(it.key()) == kg) {
            nonEmpty.add(kg);
          }
        }
        out.writeInt(nonEmpty.size());
        for (int kg : nonEmpty) {
          writeBlock(out, it, kg, kind, block, mapEntry);
        }
      }
    }
    out.flush();
  }

  private static void writeBlock(
      DataOutputStream out,
      RocksIterator it,
      int kg,
      StateSpec.Kind kind,
      DataOutputView block,
      DataOutputView mapEntry)
      throws IOException {
    block.clear();
    block.writeInt(0); // entry count, patched below
    int entries = 0;
    byte[] openPrefix = null;
    int mapCount = 0;
    for (it.seek(new byte[] {(byte) (kg >>> 8), (byte) kg});
        it.isValid() && RocksDbKeys.keyGroupOf(it.key()) == kg;
        it.next()) {
      byte[] k = it.key();
      int end = RocksDbKeyedStateBackend.prefixEnd(k);
      if (kind == StateSpec.Kind.MAP) {
        if (openPrefix == null
            || openPrefix.length != end
            || !Arrays.equals(openPrefix, 0, end, k, 0, end)) {
          if (openPrefix != null) {
            closeMapEntry(block, mapEntry, mapCount);
          }
          openPrefix = Arrays.copyOf(k, end);
          writeKeyAndNamespace(block, k);
          entries++;
          mapEntry.clear();
          mapCount = 0;
        }
        mapEntry.write(k, end, k.length - end);
        byte[] v = it.value();
        mapEntry.write(v, 0, v.length);
        mapCount++;
      } else {
        writeKeyAndNamespace(block, k);
        entries++;
        byte[] v = it.value();
        if (kind == StateSpec.Kind.VALUE) {
          block.write(v, 0, v.length);
        } else {
          List<int[]> elements = RocksDbListState.ranges(v);
          block.writeInt(elements.size());
          for (int[] r : elements) {
            block.write(v, r[0], r[1]);
          }
        }
      }
    }
    if (openPrefix != null) {
      closeMapEntry(block, mapEntry, mapCount);
    }
    byte[] bytes = block.array();
    bytes[0] = (byte) (entries >>> 24);
    bytes[1] = (byte) (entries >>> 16);
    bytes[2] = (byte) (entries >>> 8);
    bytes[3] = (byte) entries;
    out.writeInt(kg);
    out.writeInt(block.length());
    out.write(bytes, 0, block.length());
  }

  private static void closeMapEntry(DataOutputView block, DataOutputView mapEntry, int count) {
    block.writeInt(count);
    block.write(mapEntry.array(), 0, mapEntry.length());
  }

  /**
   * Copies the key's and the namespace's bytes (as their serializers wrote them) from a RocksDB
   * key.
   */
  private static void writeKeyAndNamespace(DataOutputView block, byte[] k) {
    int[] pos = {2};
    int keyLength = RocksDbKeys.readLength(k, pos);
    block.write(k, pos[0], keyLength);
    pos[0] += keyLength;
    int nsLength = RocksDbKeys.readLength(k, pos);
    block.write(k, pos[0], nsLength);
  }

  private static void writeName(DataOutputStream out, String name) throws IOException {
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    out.writeInt(bytes.length);
    out.write(bytes);
  }
}
