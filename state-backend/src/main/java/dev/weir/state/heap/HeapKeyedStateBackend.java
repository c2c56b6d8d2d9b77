package dev.weir.state.heap;

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
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keyed state in Java objects on the heap: the fastest backend, bounded by the heap.
 *
 * <p>Snapshot format (big-endian): magic, version, max parallelism, number of states; per state its
 * name, kind and key-group blocks; a block is the key group, its byte length and its entries (key,
 * namespace, state). Blocks carry their length so a restoring backend can keep the blocks of a
 * state raw until the operator declares that state (with its serializers), and can skip the key
 * groups it does not own.
 */
public final class HeapKeyedStateBackend<K> implements KeyedStateBackend<K> {

  private final TypeSerializer<K> keySerializer;
  private final KeyGroupRange range;
  private final int maxParallelism;
  private final Map<String, StateTable<K, ?, ?>> tables = new LinkedHashMap<>();
  private final SnapshotVersions versions = new SnapshotVersions();
  private final Map<String, Object> states = new HashMap<>();

  /** Restored blocks of states not yet declared: name → (kind, key group → bytes). */
  private final Map<String, SnapshotFormat.RestoredState> restored = new HashMap<>();

  private K currentKey;
  private int currentKeyGroup;

  /** The tables in an array, for {@link #prefetch} (no iterator per batch). */
  @SuppressWarnings("unchecked")
  private StateTable<K, ?, ?>[] tableArray = new StateTable[0];

  /** Scratch of {@link #prefetch}. */
  private int[] prefetchGroups = new int[0];

  private Object[] prefetchEntries = new Object[0];
  private Object[] prefetchRefs = new Object[0];

  public HeapKeyedStateBackend(
      TypeSerializer<K> keySerializer, KeyGroupRange range, int maxParallelism) {
    if (range.end() >= maxParallelism) {
      throw new IllegalArgumentException(range + " exceeds max parallelism " + maxParallelism);
    }
    this.keySerializer = keySerializer;
    this.range = range;
    this.maxParallelism = maxParallelism;
  }

  @Override
  public KeyGroupRange keyGroupRange() {
    return range;
  }

  @Override
  public TypeSerializer<K> keySerializer() {
    return keySerializer;
  }

  @Override
  public int maxParallelism() {
    return maxParallelism;
  }

  @Override
  public void setCurrentKey(K key) {
    int keyGroup = KeyGroups.ownKeyGroup(key, maxParallelism, range);
    this.currentKey = key;
    this.currentKeyGroup = keyGroup;
  }

  /** Loads the entries of the keys in every state, under each state's latest namespace. */
  @Override
  public void prefetch(Object[] keys, int count) {
    StateTable<K, ?, ?>[] all = tableArray;
    if (all.length == 0 || count < 2) {
      return;
    }
    if (prefetchGroups.length < count) {
      prefetchGroups = new int[count];
      prefetchEntries = new Object[count];
      prefetchRefs = new Object[2 * count];
    }
    int[] groups = prefetchGroups;
    for (int i = 0; i < count; i++) {
      int keyGroup = KeyGroups.keyGroupFor(keys[i], maxParallelism);
      groups[i] = range.contains(keyGroup) ? keyGroup : -1;
    }
    for (StateTable<K, ?, ?> table : all) {
      table.prefetch(keys, groups, count, prefetchEntries, prefetchRefs);
    }
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

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public <N, S> S state(StateSpec<N, S> spec) {
    Object existing = states.get(spec.name());
    if (existing != null) {
      StateTable<K, ?, ?> table = tables.get(spec.name());
      if (table.spec.kind() != spec.kind()) {
        throw new IllegalArgumentException(spec + " is already declared as " + table.spec);
      }
      return (S) existing;
    }
    // Serializers of our own: a spec may be shared by the subtasks of an operator, and serializers
    // keep scratch state.
    StateTable table = new StateTable<>(spec.duplicate(), range, versions);
    SnapshotFormat.RestoredState pending = restored.remove(spec.name());
    if (pending != null) {
      loadRestored(pending, table, table.spec);
    }
    Object state =
        switch (spec.kind()) {
          case VALUE -> new HeapValueState<>(this, table);
          case LIST -> new HeapListState<>(this, table);
          case MAP -> new HeapMapState<>(this, table);
        };
    tables.put(spec.name(), table);
    tableArray = tables.values().toArray(new StateTable[0]);
    states.put(spec.name(), state);
    return (S) state;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <N> void forEachEntry(StateSpec<N, ?> spec, EntryVisitor<K, N> visitor) throws Exception {
    state(spec);
    StateTable<K, N, ?> table = (StateTable<K, N, ?>) tables.get(spec.name());
    for (int kg = range.start(); kg <= range.end(); kg++) {
      int keyGroup = kg;
      table.forEach(
          kg,
          (key, namespace, state) -> {
            currentKey = key;
            currentKeyGroup = keyGroup;
            visitor.visit(key, namespace);
          });
    }
  }

  /** Number of (key, namespace) entries across all states; for tests and metrics. */
  public int entryCount() {
    return tables.values().stream().mapToInt(StateTable::entryCount).sum();
  }

  @Override
  public byte[] snapshot(KeyGroupRange keyGroups) throws IOException {
    return snapshotAsync(keyGroups).write();
  }

  /**
   * Starts a snapshot version and captures each state's per-key-group entry tables by reference
   * (one array reference per state and key group, whatever the number of entries); from then on the
   * tables copy, entry by entry, whatever they change or hand out that the snapshot shares (see
   * {@link CopyOnWriteStateMap}), until the snapshot is released.
   */
  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public StateSnapshot snapshotAsync(KeyGroupRange keyGroups) {
    if (keyGroups.size() > 0
        && (!range.contains(keyGroups.start()) || !range.contains(keyGroups.end()))) {
      throw new IllegalArgumentException(keyGroups + " is not within this backend's " + range);
    }
    List<CapturedRestored> pendingStates = new ArrayList<>();
    for (Map.Entry<String, SnapshotFormat.RestoredState> pending : restored.entrySet()) {
      List<SnapshotFormat.Block> inRange = new ArrayList<>();
      for (SnapshotFormat.Block b : pending.getValue().blocks) {
        if (keyGroups.contains(b.keyGroup())) {
          inRange.add(b);
        }
      }
      pendingStates.add(new CapturedRestored(pending.getKey(), pending.getValue().kind, inRange));
    }
    int version = versions.startSnapshot();
    List<CapturedTable<K>> captured = new ArrayList<>();
    for (Map.Entry<String, StateTable<K, ?, ?>> named : tables.entrySet()) {
      StateTable table = named.getValue();
      List<Integer> groups = new ArrayList<>();
      List<CopyOnWriteStateMap.Snapshot<K, Object, Object>> entries = new ArrayList<>();
      for (int kg = keyGroups.start(); kg <= keyGroups.end(); kg++) {
        CopyOnWriteStateMap.Snapshot<K, Object, Object> snapshot = table.snapshot(kg);
        if (snapshot != null) {
          groups.add(kg);
          entries.add(snapshot);
        }
      }
      captured.add(new CapturedTable<>(named.getKey(), table.spec.duplicate(), groups, entries));
    }
    TypeSerializer<K> keys = keySerializer.duplicate();
    return new StateSnapshot() {
      @Override
      public void writeTo(OutputStream out) throws IOException {
        try {
          writeSnapshot(
              keys,
              pendingStates,
              captured,
              new DataOutputStream(new BufferedOutputStream(out, 64 * 1024)));
        } finally {
          // Every entry is encoded now: the task stops copying while the rest of the checkpoint
          // (timers, the file's sync) is written.
          release();
        }
      }

      @Override
      public void release() {
        versions.release(version);
      }
    };
  }

  /**
   * Names as {@link DataOutputView#writeUTF} writes them, so {@link DataInputView#readUTF} reads
   * them back.
   */
  private static void writeName(DataOutputStream out, String name) throws IOException {
    DataOutputView v = new DataOutputView(name.length() + 8);
    v.writeUTF(name);
    out.write(v.array(), 0, v.length());
  }

  private record CapturedRestored(
      String name, StateSpec.Kind kind, List<SnapshotFormat.Block> blocks) {}

  private record CapturedTable<K>(
      String name,
      StateSpec<?, ?> spec,
      List<Integer> keyGroups,
      List<CopyOnWriteStateMap.Snapshot<K, Object, Object>> entries) {}

  @SuppressWarnings({"unchecked", "rawtypes"})
  private void writeSnapshot(
      TypeSerializer<K> keys,
      List<CapturedRestored> pendingStates,
      List<CapturedTable<K>> captured,
      DataOutputStream out)
      throws IOException {
    DataOutputView block = new DataOutputView(4096);
    out.writeInt(SnapshotFormat.MAGIC);
    out.writeInt(SnapshotFormat.VERSION);
    out.writeInt(maxParallelism);
    out.writeInt(pendingStates.size() + captured.size());
    // Restored states the operator has not declared yet are written back as they came.
    for (CapturedRestored pending : pendingStates) {
      writeName(out, pending.name());
      out.writeByte(pending.kind().code());
      out.writeInt(pending.blocks().size());
      for (SnapshotFormat.Block b : pending.blocks()) {
        out.writeInt(b.keyGroup());
        out.writeInt(b.length());
        out.write(b.bytes(), b.offset(), b.length());
      }
    }
    for (CapturedTable<K> table : captured) {
      StateSpec<?, ?> spec = table.spec();
      TypeSerializer namespaceSerializer = spec.namespaceSerializer();
      writeName(out, table.name());
      out.writeByte(spec.kind().code());
      out.writeInt(table.keyGroups().size());
      for (int i = 0; i < table.keyGroups().size(); i++) {
        CopyOnWriteStateMap.Snapshot<K, Object, Object> entries = table.entries().get(i);
        block.clear();
        block.writeInt(entries.size());
        entries.forEach(
            (key, namespace, state) -> {
              keys.serialize(key, block);
              namespaceSerializer.serialize(namespace, block);
              StateEntryCodec.write(spec, state, block);
            });
        out.writeInt(table.keyGroups().get(i));
        out.writeInt(block.length());
        out.write(block.array(), 0, block.length());
      }
    }
    out.flush();
  }

  @Override
  public void restoreFrom(Collection<? extends SnapshotFormat.Source> snapshots)
      throws IOException {
    if (!states.isEmpty()) {
      throw new IllegalStateException("restore must happen before any state is used");
    }
    SnapshotFormat.collect(snapshots, maxParallelism, range, restored);
  }

  @Override
  public void close() {
    tables.clear();
    tableArray = new StateTable[0];
    states.clear();
    restored.clear();
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private void loadRestored(
      SnapshotFormat.RestoredState pending, StateTable table, StateSpec<?, ?> spec) {
    if (spec.kind() != pending.kind) {
      throw new IllegalArgumentException(
          spec + " was restored from a snapshot where it is " + pending.kind + " state");
    }
    DataInputView in = new DataInputView();
    try {
      for (SnapshotFormat.Block block : pending.blocks) {
        in.setBuffer(block.bytes(), block.offset(), block.length());
        int entries = in.readInt();
        for (int i = 0; i < entries; i++) {
          K key = keySerializer.deserialize(in);
          Object namespace = spec.namespaceSerializer().deserialize(in);
          Object state = StateEntryCodec.read(spec, in);
          table.put(block.keyGroup(), key, namespace, state);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read restored " + spec + ": " + e.getMessage(), e);
    }
  }
}
