package dev.weir.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.state.heap.HeapStateBackendFactory;
import dev.weir.state.rocksdb.RocksDbStateBackendFactory;
import dev.weir.state.serialization.Serializers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One suite every keyed state backend passes: heap and RocksDB, and snapshots across them. */
class KeyedStateBackendSuiteTest {

  static final int MAX = 16;
  static final StateSpec<String, ValueState<String, Long>> SUM =
      StateSpec.value("sum", Serializers.STRING, Serializers.LONG);
  static final StateSpec<String, ListState<String, String>> SEEN =
      StateSpec.list("seen", Serializers.STRING, Serializers.STRING);
  static final StateSpec<Void, MapState<Void, String, Integer>> TAGS =
      StateSpec.map("tags", Serializers.VOID, Serializers.STRING, Serializers.INT);

  @TempDir static Path dir;

  private final List<KeyedStateBackend<?>> open = new ArrayList<>();

  @AfterEach
  void closeAll() {
    open.forEach(KeyedStateBackend::close);
  }

  static Stream<Arguments> backends() {
    return Stream.of(Arguments.of("heap"), Arguments.of("rocksdb"));
  }

  static Stream<Arguments> pairs() {
    return Stream.of(
        Arguments.of("heap", "rocksdb"),
        Arguments.of("rocksdb", "heap"),
        Arguments.of("rocksdb", "rocksdb"));
  }

  private KeyedStateBackend<Long> backend(String kind, KeyGroupRange range) throws Exception {
    KeyedStateBackendFactory factory =
        kind.equals("heap")
            ? HeapStateBackendFactory.INSTANCE
            : new RocksDbStateBackendFactory(dir);
    KeyedStateBackend<Long> b = factory.create("op", 0, Serializers.LONG, range, MAX);
    open.add(b);
    return b;
  }

  private KeyedStateBackend<Long> all(String kind) throws Exception {
    return backend(kind, KeyGroupRange.of(0, MAX - 1));
  }

  @ParameterizedTest
  @MethodSource("backends")
  void valueListAndMapStateAreScopedToKeyAndNamespace(String kind) throws Exception {
    KeyedStateBackend<Long> b = all(kind);
    ValueState<String, Long> sum = b.state(SUM);
    ListState<String, String> seen = b.state(SEEN);
    MapState<Void, String, Integer> tags = b.state(TAGS);
    b.setCurrentKey(1L);
    sum.update("w1", 10L);
    sum.update("w2", 20L);
    seen.add("w1", "a");
    seen.addAll("w1", List.of("b", "c"));
    tags.put(null, "x", 1);
    tags.put(null, "y", 2);
    b.setCurrentKey(2L);
    assertThat(sum.value("w1")).isNull();
    assertThat(seen.isEmpty("w1")).isTrue();
    assertThat(tags.isEmpty(null)).isTrue();
    sum.update("w1", 5L);
    b.setCurrentKey(1L);
    assertThat(sum.value("w1")).isEqualTo(10L);
    assertThat(sum.value("w2")).isEqualTo(20L);
    assertThat(seen.get("w1")).containsExactly("a", "b", "c");
    assertThat(tags.get(null, "y")).isEqualTo(2);
    assertThat(tags.contains(null, "z")).isFalse();
    Map<String, Integer> entries = new HashMap<>();
    tags.entries(null).forEach(e -> entries.put(e.getKey(), e.getValue()));
    assertThat(entries).containsOnly(Map.entry("x", 1), Map.entry("y", 2));
    tags.remove(null, "x");
    assertThat(tags.contains(null, "x")).isFalse();
    seen.update("w1", List.of("z"));
    assertThat(seen.get("w1")).containsExactly("z");
    sum.clear("w1");
    assertThat(sum.value("w1")).isNull();
    tags.clear(null);
    assertThat(tags.isEmpty(null)).isTrue();
    b.setCurrentKey(2L);
    assertThat(sum.value("w1")).isEqualTo(5L);
  }

  private static void fill(KeyedStateBackend<Long> b, int keys) {
    ValueState<String, Long> sum = b.state(SUM);
    ListState<String, String> seen = b.state(SEEN);
    MapState<Void, String, Integer> tags = b.state(TAGS);
    for (long k = 0; k < keys; k++) {
      b.setCurrentKey(k);
      sum.update("w", k * 10);
      seen.add("w", "a" + k);
      seen.add("w", "b" + k);
      tags.put(null, "t", (int) k);
      tags.put(null, "u", (int) -k);
    }
  }

  private static void check(KeyedStateBackend<Long> b, int keys) {
    ValueState<String, Long> sum = b.state(SUM);
    ListState<String, String> seen = b.state(SEEN);
    MapState<Void, String, Integer> tags = b.state(TAGS);
    for (long k = 0; k < keys; k++) {
      if (!b.keyGroupRange().contains(KeyGroups.keyGroupFor(k, MAX))) {
        continue;
      }
      b.setCurrentKey(k);
      assertThat(sum.value("w")).isEqualTo(k * 10);
      assertThat(seen.get("w")).containsExactly("a" + k, "b" + k);
      assertThat(tags.get(null, "t")).isEqualTo((int) k);
      assertThat(tags.get(null, "u")).isEqualTo((int) -k);
    }
  }

  @ParameterizedTest
  @MethodSource("pairs")
  void aSnapshotOfOneBackendRestoresIntoTheOtherAlsoSplitOverTwoSubtasks(String from, String to)
      throws Exception {
    KeyedStateBackend<Long> source = all(from);
    fill(source, 200);
    byte[] snapshot = source.snapshotAsync(source.keyGroupRange()).write();
    KeyedStateBackend<Long> low = backend(to, KeyGroups.rangeFor(0, MAX, 2));
    KeyedStateBackend<Long> high = backend(to, KeyGroups.rangeFor(1, MAX, 2));
    low.restore(List.of(snapshot));
    high.restore(List.of(snapshot));
    check(low, 200);
    check(high, 200);
    // And back together into one.
    KeyedStateBackend<Long> merged = all(from);
    merged.restore(List.of(low.snapshot(low.keyGroupRange()), high.snapshot(high.keyGroupRange())));
    check(merged, 200);
  }

  @ParameterizedTest
  @MethodSource("backends")
  void anAsyncSnapshotShowsTheStateOfItsMoment(String kind) throws Exception {
    KeyedStateBackend<Long> b = all(kind);
    fill(b, 100);
    KeyedStateBackend.StateSnapshot snapshot = b.snapshotAsync(b.keyGroupRange());
    ValueState<String, Long> sum = b.state(SUM);
    ListState<String, String> seen = b.state(SEEN);
    for (long k = 0; k < 100; k++) {
      b.setCurrentKey(k);
      sum.update("w", -1L);
      seen.add("w", "late");
    }
    KeyedStateBackend<Long> restored = all(kind);
    restored.restore(List.of(snapshot.write()));
    check(restored, 100);
  }

  @ParameterizedTest
  @MethodSource("backends")
  void forEachEntryVisitsEveryKeyAndNamespaceWithTheKeyCurrent(String kind) throws Exception {
    KeyedStateBackend<Long> b = all(kind);
    ValueState<String, Long> sum = b.state(SUM);
    for (long k = 0; k < 30; k++) {
      b.setCurrentKey(k);
      sum.update("a", k);
      sum.update("b", k + 100);
    }
    Map<String, Long> seen = new HashMap<>();
    b.forEachEntry(SUM, (key, ns) -> seen.put(key + "/" + ns, sum.value(ns)));
    assertThat(seen).hasSize(60);
    assertThat(seen.get("7/a")).isEqualTo(7L);
    assertThat(seen.get("7/b")).isEqualTo(107L);
  }
}
