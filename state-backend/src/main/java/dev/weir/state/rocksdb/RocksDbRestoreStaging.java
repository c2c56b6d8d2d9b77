package dev.weir.state.rocksdb;

import dev.weir.state.KeyGroupRange;
import dev.weir.state.SnapshotFormat;
import dev.weir.state.StateSpec;
import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.DataOutputView;
import dev.weir.state.serialization.TypeSerializer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * A restore of a RocksDB backend, in two steps. Staging: the key-group blocks of the snapshots (in
 * the common {@link SnapshotFormat}) are written as they stream in to the default column family, so
 * restoring needs no more memory than one block. Loading: when the operator declares a state, its
 * blocks are turned into RocksDB entries of its column family, one block per write batch. A state
 * the operator never declares stays staged, and snapshots copy its blocks as they are, so nothing
 * is lost when an operator declares its states lazily. Task thread only, except {@link
 * Captured#read} on a snapshot writer thread.
 */
final class RocksDbRestoreStaging {

  private record StagedBlock(int keyGroup, byte[] rawKey) {}

  private record StagedState(StateSpec.Kind kind, List<StagedBlock> blocks) {}

  private final RocksDB db;
  private final ColumnFamilyHandle defaultColumn;
  private final WriteOptions writeOptions;
  private final Path directory;
  private final TypeSerializer<?> keySerializer;
  private final KeyGroupRange range;
  private final int maxParallelism;

  /** Staged states the operator has not declared yet, by state name. */
  private final Map<String, StagedState> staged = new HashMap<>();

  private int blocksStaged;

  RocksDbRestoreStaging(
      RocksDB db,
      ColumnFamilyHandle defaultColumn,
      WriteOptions writeOptions,
      Path directory,
      TypeSerializer<?> keySerializer,
      KeyGroupRange range,
      int maxParallelism) {
    this.db = db;
    this.defaultColumn = defaultColumn;
    this.writeOptions = writeOptions;
    this.directory = directory;
    this.keySerializer = keySerializer;
    this.range = range;
    this.maxParallelism = maxParallelism;
  }

  /** Stages the blocks of this backend's key groups from {@code snapshots}. */
  void stage(Collection<? extends SnapshotFormat.Source> snapshots) throws IOException {
    for (SnapshotFormat.Source snapshot : snapshots) {
      SnapshotFormat.readBlocks(
          snapshot,
          maxParallelism,
          range,
          (name, kind, kg, bytes, offset, length) -> {
            StagedState state =
                staged.computeIfAbsent(name, n -> new StagedState(kind, new ArrayList<>()));
            SnapshotFormat.requireSameKind(name, state.kind(), kind);
            byte[] rawKey = ("restored/" + (blocksStaged++)).getBytes(StandardCharsets.UTF_8);
            byte[] block =
                offset == 0 && length == bytes.length
                    ? bytes
                    : Arrays.copyOfRange(bytes, offset, offset + length);
            try {
              db.put(defaultColumn, writeOptions, rawKey, block);
            } catch (RocksDBException e) {
              throw new IOException(
                  "cannot store restored state '"
                      + name
                      + "' in RocksDB at "
                      + directory
                      + ": "
                      + e.getMessage(),
                  e);
            }
            state.blocks().add(new StagedBlock(kg, rawKey));
          });
    }
  }

  /** The state of {@code column} was declared: loads what was staged for it, if anything. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  void loadInto(RocksDbKeyedStateBackend.Column<?> column) {
    StagedState pending = staged.remove(column.name);
    if (pending == null) {
      return;
    }
    StateSpec<?, ?> spec = column.spec;
    if (spec.kind() != pending.kind()) {
      throw new IllegalArgumentException(
          spec + " was restored from a snapshot where it is " + pending.kind() + " state");
    }
    DataInputView in = new DataInputView();
    DataOutputView key = new DataOutputView(64);
    DataOutputView value = new DataOutputView(256);
    try (WriteBatch batch = new WriteBatch()) {
      for (StagedBlock block : pending.blocks()) {
        byte[] bytes = db.get(defaultColumn, block.rawKey());
        in.setBuffer(bytes, 0, bytes.length);
        int entries = in.readInt();
        for (int i = 0; i < entries; i++) {
          key.clear();
          key.writeByte(block.keyGroup() >>> 8);
          key.writeByte(block.keyGroup());
          appendLengthPrefixed(key, in, keySerializer);
          appendLengthPrefixed(key, in, spec.namespaceSerializer());
          byte[] prefix = key.toByteArray();
          switch (pending.kind()) {
            case VALUE -> batch.put(column.handle, prefix, slice(in, spec.firstSerializer()));
            case LIST -> {
              int n = in.readInt();
              value.clear();
              for (int e = 0; e < n; e++) {
                byte[] element = slice(in, spec.firstSerializer());
                if (e > 0) {
                  value.writeByte(',');
                }
                value.writeInt(element.length);
                value.write(element, 0, element.length);
              }
              if (n > 0) {
                batch.put(column.handle, prefix, value.toByteArray());
              }
            }
            case MAP -> {
              int n = in.readInt();
              for (int e = 0; e < n; e++) {
                byte[] userKey = slice(in, spec.firstSerializer());
                byte[] entryKey = Arrays.copyOf(prefix, prefix.length + userKey.length);
                System.arraycopy(userKey, 0, entryKey, prefix.length, userKey.length);
                batch.put(column.handle, entryKey, slice(in, spec.secondSerializer()));
              }
            }
          }
        }
        // One block per batch: memory stays at one key group's worth however large the state.
        batch.delete(defaultColumn, block.rawKey());
        db.write(writeOptions, batch);
        batch.clear();
      }
    } catch (IOException | RocksDBException e) {
      throw new IllegalStateException(
          "cannot restore " + spec + " into RocksDB: " + e.getMessage(), e);
    }
  }

  /** What is staged now, for a snapshot taken now (the task thread's part: a copy of the index). */
  Captured capture() {
    return new Captured(new LinkedHashMap<>(staged));
  }

  /** The staged states a snapshot found; their blocks are read on the writer's thread. */
  final class Captured {
    private final Map<String, StagedState> states;

    private Captured(Map<String, StagedState> states) {
      this.states = states;
    }

    /** The blocks of {@code keyGroups}, read through the snapshot's {@code read} options. */
    List<RocksDbSnapshotWriter.PendingState> read(ReadOptions read, KeyGroupRange keyGroups)
        throws IOException {
      List<RocksDbSnapshotWriter.PendingState> raw = new ArrayList<>();
      for (Map.Entry<String, StagedState> p : states.entrySet()) {
        List<byte[]> blocks = new ArrayList<>();
        List<int[]> where = new ArrayList<>();
        for (StagedBlock b : p.getValue().blocks()) {
          if (keyGroups.contains(b.keyGroup())) {
            byte[] bytes;
            try {
              bytes = db.get(defaultColumn, read, b.rawKey());
            } catch (RocksDBException e) {
              throw new IOException(
                  "cannot read restored state '"
                      + p.getKey()
                      + "' for a snapshot: "
                      + e.getMessage(),
                  e);
            }
            where.add(new int[] {b.keyGroup(), 0, bytes.length});
            blocks.add(bytes);
          }
        }
        raw.add(
            new RocksDbSnapshotWriter.PendingState(p.getKey(), p.getValue().kind(), blocks, where));
      }
      return raw;
    }
  }

  /** The bytes one value occupies in {@code in} (found by reading it with its serializer). */
  private static byte[] slice(DataInputView in, TypeSerializer<?> serializer) throws IOException {
    int start = in.position();
    serializer.deserialize(in);
    return Arrays.copyOfRange(in.array(), start, in.position());
  }

  private static void appendLengthPrefixed(
      DataOutputView key, DataInputView in, TypeSerializer<?> serializer) throws IOException {
    byte[] bytes = slice(in, serializer);
    RocksDbKeys.writeLength(key, bytes.length);
    key.write(bytes, 0, bytes.length);
  }
}
