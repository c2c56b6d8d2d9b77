package dev.weir.state.rocksdb;

import dev.weir.state.KeyGroupRange;
import dev.weir.state.KeyGroups;
import dev.weir.state.KeyedStateBackend;
import dev.weir.state.SnapshotFormat;
import dev.weir.state.StateSpec;
import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.DataOutputView;
import dev.weir.state.serialization.TypeSerializer;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.StringAppendOperator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * Keyed state in a RocksDB database on local disk, so it can be far larger than the heap: one
 * column family per state, keys laid out by {@link RocksDbKeys} (key group first). Values are
 * serialized on every write and deserialized on every read. A snapshot is a RocksDB snapshot taken
 * in the task thread (constant time) and streamed on the writer thread into the common {@link
 * SnapshotFormat}, so heap and RocksDB restore each other's snapshots. The write-ahead log is off:
 * checkpoints make state durable. Not thread-safe except that snapshots are written concurrently
 * with the task's updates.
 */
public final class RocksDbKeyedStateBackend<K> implements KeyedStateBackend<K> {

  static {
    RocksDB.loadLibrary();
  }

  private final Path directory;
  private final TypeSerializer<K> keySerializer;
  private final KeyGroupRange range;
  private final int maxParallelism;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions columnOptions;
  private final WriteOptions writeOptions;
  private final RocksDB db;
  private final ColumnFamilyHandle defaultColumn;
  private final Map<String, Column<?>> columns = new LinkedHashMap<>();
  private final Map<String, Object> states = new HashMap<>();

  /**
   * Restored blocks of states the operator has not declared yet, by state name. The blocks
   * themselves wait in the default column family (written there as they stream in, so restoring
   * needs no more memory than one block), until the state is declared or a snapshot copies them.
   */
  private final Map<String, RawRestored> restored = new HashMap<>();

  private int rawBlocks;

  private record RawBlock(int keyGroup, byte[] rawKey) {}

  private record RawRestored(StateSpec.Kind kind, List<RawBlock> blocks) {}

  private final DataOutputView scratch = new DataOutputView(128);
  private final DataInputView reader = new DataInputView();
  private final AtomicInteger snapshotsInFlight = new AtomicInteger();
  private volatile boolean closing;
  private boolean closed;

  private K currentKey;
  private int currentKeyGroup;

  /** Key group, key length and key bytes of the current key. */
  private byte[] keyPrefix;

  /** One state: its column family and a cache of the last (key, namespace) prefix. */
  static final class Column<N> {
    final String name;
    final StateSpec<N, ?> spec;
    final ColumnFamilyHandle handle;
    N lastNamespace;
    byte[] lastKeyPrefix;
    byte[] lastEntryKey;

    Column(String name, StateSpec<N, ?> spec, ColumnFamilyHandle handle) {
      this.name = name;
      this.spec = spec;
      this.handle = handle;
    }
  }

  public RocksDbKeyedStateBackend(
      Path directory, TypeSerializer<K> keySerializer, KeyGroupRange range, int maxParallelism)
      throws IOException {
    this.directory = directory;
    this.keySerializer = keySerializer;
    this.range = range;
    this.maxParallelism = maxParallelism;
    this.dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
    this.columnOptions = new ColumnFamilyOptions().setMergeOperator(new StringAppendOperator(','));
    this.writeOptions = new WriteOptions().setDisableWAL(true);
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try {
      this.db =
          RocksDB.open(
              dbOptions,
              directory.toString(),
              List.of(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, columnOptions)),
              handles);
    } catch (RocksDBException e) {
      throw new IOException("cannot open RocksDB in " + directory + ": " + e.getMessage(), e);
    }
    this.defaultColumn = handles.get(0);
  }

  @Override
  public KeyGroupRange keyGroupRange() {
    return range;
  }

  @Override
  public int maxParallelism() {
    return maxParallelism;
  }

  @Override
  public TypeSerializer<K> keySerializer() {
    return keySerializer;
  }

  @Override
  public void setCurrentKey(K key) {
    int keyGroup = KeyGroups.keyGroupFor(key, maxParallelism);
    if (!range.contains(keyGroup)) {
      throw new IllegalStateException(
          "key "
              + key
              + " is in key group "
              + keyGroup
              + ", outside this subtask's "
              + range
              + ": the record did not arrive over a HASH edge with the same key");
    }
    byte[] keyBytes = serialize(keySerializer, key);
    scratch.clear();
    scratch.writeByte(keyGroup >>> 8);
    scratch.writeByte(keyGroup);
    RocksDbKeys.writeLength(scratch, keyBytes.length);
    scratch.write(keyBytes, 0, keyBytes.length);
    keyPrefix = scratch.toByteArray();
    currentKey = key;
    currentKeyGroup = keyGroup;
  }

  @Override
  public K currentKey() {
    if (currentKey == null) {
      throw new IllegalStateException(
          "keyed state used with no current key: only operators after a HASH edge have keyed state");
    }
    return currentKey;
  }

  @Override
  public int currentKeyGroup() {
    return currentKeyGroup;
  }

  // ---- encoding ----

  <T> byte[] serialize(TypeSerializer<T> serializer, T value) {
    DataOutputView out = new DataOutputView(32);
    try {
      serializer.serialize(value, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  <T> T deserialize(TypeSerializer<T> serializer, byte[] bytes, int offset, int length) {
    reader.setBuffer(bytes, offset, length);
    try {
      return serializer.deserialize(reader);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read state: " + e.getMessage(), e);
    }
  }

  /** The RocksDB key of (current key, namespace) in a column. */
  <N> byte[] entryKey(Column<N> column, N namespace) {
    if (column.lastKeyPrefix == keyPrefix
        && Objects.equals(column.lastNamespace, namespace)
        && column.lastEntryKey != null) {
      return column.lastEntryKey;
    }
    byte[] ns = serialize(column.spec.namespaceSerializer(), namespace);
    byte[] key = Arrays.copyOf(keyPrefix, keyPrefix.length + 5 + ns.length);
    DataOutputView len = new DataOutputView(5);
    RocksDbKeys.writeLength(len, ns.length);
    System.arraycopy(len.array(), 0, key, keyPrefix.length, len.length());
    System.arraycopy(ns, 0, key, keyPrefix.length + len.length(), ns.length);
    key = Arrays.copyOf(key, keyPrefix.length + len.length() + ns.length);
    column.lastKeyPrefix = keyPrefix;
    column.lastNamespace = namespace;
    column.lastEntryKey = key;
    return key;
  }

  <N, UK> byte[] userEntryKey(Column<N> column, N namespace, TypeSerializer<UK> keys, UK userKey) {
    byte[] prefix = entryKey(column, namespace);
    byte[] user = serialize(keys, userKey);
    byte[] key = Arrays.copyOf(prefix, prefix.length + user.length);
    System.arraycopy(user, 0, key, prefix.length, user.length);
    return key;
  }

  // ---- RocksDB access ----

  byte[] get(Column<?> column, byte[] key) {
    try {
      return db.get(column.handle, key);
    } catch (RocksDBException e) {
      throw failure("read", column, e);
    }
  }

  void put(Column<?> column, byte[] key, byte[] value) {
    try {
      db.put(column.handle, writeOptions, key, value);
    } catch (RocksDBException e) {
      throw failure("write", column, e);
    }
  }

  void merge(Column<?> column, byte[] key, byte[] value) {
    try {
      db.merge(column.handle, writeOptions, key, value);
    } catch (RocksDBException e) {
      throw failure("write", column, e);
    }
  }

  void delete(Column<?> column, byte[] key) {
    try {
      db.delete(column.handle, writeOptions, key);
    } catch (RocksDBException e) {
      throw failure("delete", column, e);
    }
  }

  void scan(Column<?> column, byte[] prefix, BiConsumer<byte[], byte[]> consumer) {
    try (RocksIterator it = db.newIterator(column.handle)) {
      for (it.seek(prefix); it.isValid() && RocksDbKeys.startsWith(it.key(), prefix); it.next()) {
        consumer.accept(it.key(), it.value());
      }
    }
  }

  boolean anyWithPrefix(Column<?> column, byte[] prefix) {
    try (RocksIterator it = db.newIterator(column.handle)) {
      it.seek(prefix);
      return it.isValid() && RocksDbKeys.startsWith(it.key(), prefix);
    }
  }

  void deletePrefix(Column<?> column, byte[] prefix) {
    byte[] end = RocksDbKeys.successor(prefix);
    try {
      if (end != null) {
        db.deleteRange(column.handle, writeOptions, prefix, end);
      } else {
        List<byte[]> keys = new ArrayList<>();
        scan(column, prefix, (k, v) -> keys.add(k));
        for (byte[] k : keys) {
          db.delete(column.handle, writeOptions, k);
        }
      }
    } catch (RocksDBException e) {
      throw failure("delete", column, e);
    }
  }

  private IllegalStateException failure(String what, Column<?> column, RocksDBException e) {
    return new IllegalStateException(
        "RocksDB could not "
            + what
            + " state '"
            + column.name
            + "' in "
            + directory
            + ": "
            + e.getMessage(),
        e);
  }

  // ---- states ----

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public <N, S> S state(StateSpec<N, S> spec) {
    Object existing = states.get(spec.name());
    if (existing != null) {
      Column<?> column = columns.get(spec.name());
      if (column.spec.kind() != spec.kind()) {
        throw new IllegalArgumentException(spec + " is already declared as " + column.spec);
      }
      return (S) existing;
    }
    // Serializers of our own: a spec may be shared by the subtasks of an operator, and serializers
    // keep scratch state.
    StateSpec<N, S> own = spec.duplicate();
    Column<N> column;
    try {
      ColumnFamilyHandle handle =
          db.createColumnFamily(
              new ColumnFamilyDescriptor(
                  spec.name().getBytes(StandardCharsets.UTF_8), columnOptions));
      column = new Column<>(spec.name(), own, handle);
    } catch (RocksDBException e) {
      throw new IllegalStateException(
          "RocksDB could not create state '"
              + spec.name()
              + "' in "
              + directory
              + ": "
              + e.getMessage(),
          e);
    }
    Object state =
        switch (spec.kind()) {
          case VALUE ->
              new RocksDbValueState<>(this, column, (TypeSerializer) own.firstSerializer());
          case LIST -> new RocksDbListState<>(this, column, (TypeSerializer) own.firstSerializer());
          case MAP ->
              new RocksDbMapState<>(
                  this,
                  column,
                  (TypeSerializer) own.firstSerializer(),
                  (TypeSerializer) own.secondSerializer());
        };
    columns.put(spec.name(), column);
    states.put(spec.name(), state);
    RawRestored pending = restored.remove(spec.name());
    if (pending != null) {
      loadRestored(pending, column);
    }
    return (S) state;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <N> void forEachEntry(StateSpec<N, ?> spec, EntryVisitor<K, N> visitor) throws Exception {
    state(spec);
    Column<N> column = (Column<N>) columns.get(spec.name());
    List<byte[]> prefixes = new ArrayList<>();
    byte[][] last = {null};
    try (RocksIterator it = db.newIterator(column.handle)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] k = it.key();
        int end = prefixEnd(k);
        if (last[0] == null
            || !Arrays.equals(last[0], 0, last[0].length, k, 0, end)
            || last[0].length != end) {
          last[0] = Arrays.copyOf(k, end);
          prefixes.add(last[0]);
        }
      }
    }
    for (byte[] prefix : prefixes) {
      int[] pos = {2};
      int keyLength = RocksDbKeys.readLength(prefix, pos);
      K key = deserialize(keySerializer, prefix, pos[0], keyLength);
      pos[0] += keyLength;
      int nsLength = RocksDbKeys.readLength(prefix, pos);
      N namespace = deserialize(column.spec.namespaceSerializer(), prefix, pos[0], nsLength);
      setCurrentKey(key);
      visitor.visit(key, namespace);
    }
  }

  /** Where the (key group, key, namespace) prefix of a RocksDB key ends. */
  static int prefixEnd(byte[] k) {
    int[] pos = {2};
    int keyLength = RocksDbKeys.readLength(k, pos);
    pos[0] += keyLength;
    int nsLength = RocksDbKeys.readLength(k, pos);
    return pos[0] + nsLength;
  }

  // ---- snapshots ----

  @Override
  public byte[] snapshot(KeyGroupRange keyGroups) throws IOException {
    return snapshotAsync(keyGroups).write();
  }

  @Override
  public StateSnapshot snapshotAsync(KeyGroupRange keyGroups) throws IOException {
    if (keyGroups.size() > 0
        && (!range.contains(keyGroups.start()) || !range.contains(keyGroups.end()))) {
      throw new IllegalArgumentException(keyGroups + " is not within this backend's " + range);
    }
    Snapshot snapshot = db.getSnapshot();
    List<Column<?>> captured = new ArrayList<>(columns.values());
    Map<String, RawRestored> pending = new LinkedHashMap<>(restored);
    snapshotsInFlight.incrementAndGet();
    return out -> {
      try (ReadOptions read = new ReadOptions().setSnapshot(snapshot)) {
        if (closing) {
          throw new IOException("the state backend was closed before its snapshot was written");
        }
        List<RocksDbSnapshotWriter.PendingState> raw = new ArrayList<>();
        for (Map.Entry<String, RawRestored> p : pending.entrySet()) {
          List<byte[]> blocks = new ArrayList<>();
          List<int[]> where = new ArrayList<>();
          for (RawBlock b : p.getValue().blocks()) {
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
              new RocksDbSnapshotWriter.PendingState(
                  p.getKey(), p.getValue().kind(), blocks, where));
        }
        new RocksDbSnapshotWriter(db, maxParallelism)
            .write(
                new DataOutputStream(new BufferedOutputStream(out, 64 * 1024)),
                keyGroups,
                read,
                captured,
                raw);
      } finally {
        db.releaseSnapshot(snapshot);
        if (snapshotsInFlight.decrementAndGet() == 0 && closing) {
          closeNow();
        }
      }
    };
  }

  // ---- restore ----

  @SuppressWarnings({"unchecked", "rawtypes"})
  private void loadRestored(RawRestored pending, Column<?> column) {
    StateSpec<?, ?> spec = column.spec;
    if (spec.kind() != pending.kind()) {
      throw new IllegalArgumentException(
          spec + " was restored from a snapshot where it is " + pending.kind() + " state");
    }
    DataInputView in = new DataInputView();
    DataOutputView key = new DataOutputView(64);
    DataOutputView value = new DataOutputView(256);
    try (WriteBatch batch = new WriteBatch()) {
      for (RawBlock block : pending.blocks()) {
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

  @Override
  public void restoreFrom(Collection<? extends SnapshotFormat.Source> snapshots)
      throws IOException {
    if (!states.isEmpty()) {
      throw new IllegalStateException("restore must happen before any state is used");
    }
    for (SnapshotFormat.Source snapshot : snapshots) {
      SnapshotFormat.readBlocks(
          snapshot,
          maxParallelism,
          range,
          (name, kind, kg, bytes, offset, length) -> {
            RawRestored raw =
                restored.computeIfAbsent(name, n -> new RawRestored(kind, new ArrayList<>()));
            if (raw.kind() != kind) {
              throw new IOException(
                  "state '"
                      + name
                      + "' is "
                      + kind
                      + " in one snapshot and "
                      + raw.kind()
                      + " in another");
            }
            byte[] rawKey = ("restored/" + (rawBlocks++)).getBytes(StandardCharsets.UTF_8);
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
            raw.blocks().add(new RawBlock(kg, rawKey));
          });
    }
  }

  // ---- lifecycle ----

  @Override
  public void close() {
    if (closing) {
      return;
    }
    closing = true;
    if (snapshotsInFlight.get() == 0) {
      closeNow();
    }
  }

  private synchronized void closeNow() {
    if (closed) {
      return;
    }
    closed = true;
    for (Column<?> c : columns.values()) {
      c.handle.close();
    }
    defaultColumn.close();
    db.close();
    writeOptions.close();
    columnOptions.close();
    dbOptions.close();
    try (var paths = Files.walk(directory)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // the directory is in a temporary location; what remains is only disk space
    }
  }
}
