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
import java.io.OutputStream;
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
import java.util.concurrent.atomic.AtomicBoolean;
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

  /** Restored state of states the operator has not declared yet. */
  private final RocksDbRestoreStaging staging;

  private final RocksDbKeyBuilder<K> keys;

  /** A value being written: serialized here, handed to RocksDB as a slice of its array. */
  private final DataOutputView valueBuffer = new DataOutputView(128);

  private final DataInputView reader = new DataInputView();
  private final AtomicInteger snapshotsInFlight = new AtomicInteger();
  private volatile boolean closing;
  private boolean closed;

  private K currentKey;
  private int currentKeyGroup;

  /** One state: its column family and a cache of the last (key, namespace) key built. */
  static final class Column<N> {
    final String name;
    final StateSpec<N, ?> spec;
    final ColumnFamilyHandle handle;
    N lastNamespace;
    long lastKeyVersion = -1;
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
    this.keys = new RocksDbKeyBuilder<>(keySerializer);
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
    this.staging =
        new RocksDbRestoreStaging(
            db, defaultColumn, writeOptions, directory, keySerializer, range, maxParallelism);
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
    int keyGroup = KeyGroups.ownKeyGroup(key, maxParallelism, range);
    keys.setKey(keyGroup, key);
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
    long version = keys.keyVersion();
    if (column.lastKeyVersion == version
        && Objects.equals(column.lastNamespace, namespace)
        && column.lastEntryKey != null) {
      return column.lastEntryKey;
    }
    byte[] key = keys.entryKey(column.spec.namespaceSerializer(), namespace);
    column.lastKeyVersion = version;
    column.lastNamespace = namespace;
    column.lastEntryKey = key;
    return key;
  }

  <N, UK> byte[] userEntryKey(
      Column<N> column, N namespace, TypeSerializer<UK> userKeys, UK userKey) {
    return keys.userEntryKey(column.spec.namespaceSerializer(), namespace, userKeys, userKey);
  }

  /** {@code value} serialized into the reused value buffer; valid until the next call. */
  private <T> DataOutputView serializeToBuffer(TypeSerializer<T> serializer, T value) {
    valueBuffer.clear();
    try {
      serializer.serialize(value, valueBuffer);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return valueBuffer;
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

  /** Writes {@code value} at {@code key}, serialized without allocating. */
  <T> void put(Column<?> column, byte[] key, TypeSerializer<T> serializer, T value) {
    DataOutputView v = serializeToBuffer(serializer, value);
    try {
      db.put(column.handle, writeOptions, key, 0, key.length, v.array(), 0, v.length());
    } catch (RocksDBException e) {
      throw failure("write", column, e);
    }
  }

  /**
   * Appends {@code element} to the list at {@code key} (the merge operator adds a delimiter),
   * framed with its length and serialized without allocating.
   */
  <T> void mergeFramed(Column<?> column, byte[] key, TypeSerializer<T> serializer, T element) {
    valueBuffer.clear();
    valueBuffer.writeInt(0);
    try {
      serializer.serialize(element, valueBuffer);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    valueBuffer.writeIntAt(0, valueBuffer.length() - 4);
    try {
      db.merge(
          column.handle,
          writeOptions,
          key,
          0,
          key.length,
          valueBuffer.array(),
          0,
          valueBuffer.length());
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
    staging.loadInto(column);
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
    RocksDbRestoreStaging.Captured staged = staging.capture();
    snapshotsInFlight.incrementAndGet();
    return new PinnedSnapshot(snapshot, keyGroups, captured, staged);
  }

  /**
   * A RocksDB snapshot pinned until it is written or released, whichever comes first: a checkpoint
   * that fails before writing (an unwritable folder, a throwing operator in the synchronous part)
   * releases it, or the database could never close and its folder, native memory and files would
   * stay behind.
   */
  private final class PinnedSnapshot implements StateSnapshot {
    private final Snapshot snapshot;
    private final KeyGroupRange keyGroups;
    private final List<Column<?>> captured;
    private final RocksDbRestoreStaging.Captured staged;
    private final AtomicBoolean released = new AtomicBoolean();

    PinnedSnapshot(
        Snapshot snapshot,
        KeyGroupRange keyGroups,
        List<Column<?>> captured,
        RocksDbRestoreStaging.Captured staged) {
      this.snapshot = snapshot;
      this.keyGroups = keyGroups;
      this.captured = captured;
      this.staged = staged;
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
      if (released.get()) {
        throw new IllegalStateException("the snapshot was released; it cannot be written");
      }
      try (ReadOptions read = new ReadOptions().setSnapshot(snapshot)) {
        if (closing) {
          throw new IOException("the state backend was closed before its snapshot was written");
        }
        List<RocksDbSnapshotWriter.PendingState> raw = staged.read(read, keyGroups);
        new RocksDbSnapshotWriter(db, maxParallelism)
            .write(
                new DataOutputStream(new BufferedOutputStream(out, 64 * 1024)),
                keyGroups,
                read,
                captured,
                raw);
      } finally {
        release();
      }
    }

    @Override
    public void release() {
      if (!released.compareAndSet(false, true)) {
        return;
      }
      db.releaseSnapshot(snapshot);
      if (snapshotsInFlight.decrementAndGet() == 0 && closing) {
        closeNow();
      }
    }
  }

  // ---- restore ----

  @Override
  public void restoreFrom(Collection<? extends SnapshotFormat.Source> snapshots)
      throws IOException {
    if (!states.isEmpty()) {
      throw new IllegalStateException("restore must happen before any state is used");
    }
    staging.stage(snapshots);
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
