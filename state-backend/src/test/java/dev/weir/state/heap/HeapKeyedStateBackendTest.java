package dev.weir.state.heap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.state.KeyGroupRange;
import dev.weir.state.KeyGroups;
import dev.weir.state.ListState;
import dev.weir.state.MapState;
import dev.weir.state.StateSpec;
import dev.weir.state.ValueState;
import dev.weir.state.serialization.Serializers;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeapKeyedStateBackendTest {

  static final int MAX = 16;
  static final StateSpec<String, ValueState<String, Long>> SUM =
      StateSpec.value("sum", Serializers.STRING, Serializers.LONG);
  static final StateSpec<String, ListState<String, String>> SEEN =
      StateSpec.list("seen", Serializers.STRING, Serializers.STRING);
  static final StateSpec<Void, MapState<Void, String, Integer>> TAGS =
      StateSpec.map("tags", Serializers.VOID, Serializers.STRING, Serializers.INT);

  private static HeapKeyedStateBackend<Long> all() {
    return new HeapKeyedStateBackend<>(Serializers.LONG, KeyGroupRange.of(0, MAX - 1), MAX);
  }

  @Test
  void stateIsScopedToTheCurrentKeyAndNamespace() {
    HeapKeyedStateBackend<Long> b = all();
    ValueState<String, Long> sum = b.state(SUM);
    b.setCurrentKey(1L);
    sum.update("w1", 10L);
    sum.update("w2", 20L);
    b.setCurrentKey(2L);
    assertThat(sum.value("w1")).isNull();
    sum.update("w1", 5L);
    b.setCurrentKey(1L);
    assertThat(sum.value("w1")).isEqualTo(10L);
    assertThat(sum.value("w2")).isEqualTo(20L);
    sum.clear("w1");
    assertThat(sum.value("w1")).isNull();
    b.setCurrentKey(2L);
    assertThat(sum.value("w1")).isEqualTo(5L);
    assertThat(b.state(SUM)).isSameAs(sum);
  }

  @Test
  void listAndMapState() {
    HeapKeyedStateBackend<Long> b = all();
    ListState<String, String> seen = b.state(SEEN);
    MapState<Void, String, Integer> tags = b.state(TAGS);
    b.setCurrentKey(7L);
    assertThat(seen.get("n")).isEmpty();
    assertThat(seen.isEmpty("n")).isTrue();
    seen.add("n", "a");
    seen.addAll("n", List.of("b", "c"));
    assertThat(seen.get("n")).containsExactly("a", "b", "c");
    seen.update("n", List.of("z"));
    assertThat(seen.get("n")).containsExactly("z");
    tags.put(null, "x", 1);
    tags.put(null, "y", 2);
    tags.remove(null, "x");
    assertThat(tags.contains(null, "y")).isTrue();
    assertThat(tags.get(null, "x")).isNull();
    Map<String, Integer> entries = new HashMap<>();
    tags.entries(null).forEach(e -> entries.put(e.getKey(), e.getValue()));
    assertThat(entries).containsExactly(Map.entry("y", 2));
    b.setCurrentKey(8L);
    assertThat(tags.isEmpty(null)).isTrue();
  }

  @Test
  void aKeyOutsideTheOwnedKeyGroupsIsRefused() {
    HeapKeyedStateBackend<Long> b =
        new HeapKeyedStateBackend<>(Serializers.LONG, KeyGroups.rangeFor(0, MAX, 2), MAX);
    long foreign = 0;
    while (b.keyGroupRange().contains(KeyGroups.keyGroupFor(foreign, MAX))) {
      foreign++;
    }
    long key = foreign;
    assertThatThrownBy(() -> b.setCurrentKey(key)).hasMessageContaining("outside this subtask's");
  }

  @Test
  void snapshotsOfOldSubtasksRestoreIntoANewParallelismEachKeepingItsKeyGroups() throws Exception {
    int oldParallelism = 2;
    int newParallelism = 3;
    List<byte[]> snapshots = new ArrayList<>();
    for (int i = 0; i < oldParallelism; i++) {
      KeyGroupRange range = KeyGroups.rangeFor(i, MAX, oldParallelism);
      HeapKeyedStateBackend<Long> b = new HeapKeyedStateBackend<>(Serializers.LONG, range, MAX);
      for (long key = 0; key < 1000; key++) {
        if (range.contains(KeyGroups.keyGroupFor(key, MAX))) {
          b.setCurrentKey(key);
          b.state(SUM).update("ns", key * 3);
          b.state(SEEN).add("ns", "k" + key);
          b.state(TAGS).put(null, "t", (int) key);
        }
      }
      snapshots.add(b.snapshot(range));
    }

    int restoredKeys = 0;
    for (int j = 0; j < newParallelism; j++) {
      KeyGroupRange range = KeyGroups.rangeFor(j, MAX, newParallelism);
      HeapKeyedStateBackend<Long> b = new HeapKeyedStateBackend<>(Serializers.LONG, range, MAX);
      b.restore(snapshots);
      ValueState<String, Long> sum = b.state(SUM);
      ListState<String, String> seen = b.state(SEEN);
      MapState<Void, String, Integer> tags = b.state(TAGS);
      for (long key = 0; key < 1000; key++) {
        if (range.contains(KeyGroups.keyGroupFor(key, MAX))) {
          b.setCurrentKey(key);
          assertThat(sum.value("ns")).isEqualTo(key * 3);
          assertThat(seen.get("ns")).containsExactly("k" + key);
          assertThat(tags.get(null, "t")).isEqualTo((int) key);
          restoredKeys++;
        }
      }
      assertThat(b.entryCount()).isEqualTo(3 * countKeysIn(range));
    }
    assertThat(restoredKeys).isEqualTo(1000);
  }

  private static int countKeysIn(KeyGroupRange range) {
    int n = 0;
    for (long key = 0; key < 1000; key++) {
      if (range.contains(KeyGroups.keyGroupFor(key, MAX))) {
        n++;
      }
    }
    return n;
  }

  @Test
  void aSnapshotOfPartOfTheRangeHoldsOnlyThoseKeyGroups() throws Exception {
    HeapKeyedStateBackend<Long> b = all();
    for (long key = 0; key < 100; key++) {
      b.setCurrentKey(key);
      b.state(SUM).update("n", key);
    }
    byte[] half = b.snapshot(KeyGroupRange.of(0, 7));
    HeapKeyedStateBackend<Long> restored = all();
    restored.restore(List.of(half));
    ValueState<String, Long> sum = restored.state(SUM);
    for (long key = 0; key < 100; key++) {
      restored.setCurrentKey(key);
      boolean inFirstHalf = KeyGroups.keyGroupFor(key, MAX) < 8;
      assertThat(sum.value("n")).isEqualTo(inFirstHalf ? key : null);
    }
  }

  @Test
  void corruptOrMismatchedSnapshotsAreRefusedWithAReason() throws Exception {
    HeapKeyedStateBackend<Long> b = all();
    assertThatThrownBy(() -> b.restore(List.of(new byte[] {1, 2, 3, 4, 5, 6, 7, 8})))
        .hasMessageContaining("not a Weir keyed state snapshot");

    HeapKeyedStateBackend<Long> other =
        new HeapKeyedStateBackend<>(Serializers.LONG, KeyGroupRange.of(0, 31), 32);
    byte[] snapshot = other.snapshot(KeyGroupRange.of(0, 31));
    assertThatThrownBy(() -> all().restore(List.of(snapshot)))
        .hasMessageContaining("max parallelism 32")
        .hasMessageContaining("keep the max parallelism");
  }

  @Test
  void aStateRestoredAsAnotherKindIsRefused() throws Exception {
    HeapKeyedStateBackend<Long> b = all();
    b.setCurrentKey(1L);
    b.state(SUM).update("n", 1L);
    byte[] snapshot = b.snapshot(b.keyGroupRange());
    HeapKeyedStateBackend<Long> restored = all();
    restored.restore(List.of(snapshot));
    assertThatThrownBy(
            () -> restored.state(StateSpec.list("sum", Serializers.STRING, Serializers.LONG)))
        .hasMessageContaining("restored from a snapshot where it is VALUE");
  }

  @Test
  void restoredStateNotYetUsedIsKeptInTheNextSnapshot() throws Exception {
    HeapKeyedStateBackend<Long> first = all();
    first.setCurrentKey(1L);
    first.state(SUM).update("n", 42L);
    byte[] checkpoint1 = first.snapshot(first.keyGroupRange());

    HeapKeyedStateBackend<Long> second = all();
    second.restore(List.of(checkpoint1));
    byte[] checkpoint2 =
        second.snapshot(second.keyGroupRange()); // "sum" not declared since the restore

    HeapKeyedStateBackend<Long> third = all();
    third.restore(List.of(checkpoint2));
    third.setCurrentKey(1L);
    assertThat(third.state(SUM).value("n")).isEqualTo(42L);
  }

  @Test
  void anAsyncSnapshotKeepsTheStateOfItsMomentWhileTheTaskGoesOnChangingIt() throws Exception {
    HeapKeyedStateBackend<Long> b = all();
    ValueState<String, Long> sum = b.state(SUM);
    ListState<String, String> seen = b.state(SEEN);
    MapState<Void, String, Integer> tags = b.state(TAGS);
    for (long k = 0; k < 50; k++) {
      b.setCurrentKey(k);
      sum.update("w", k);
      seen.add("w", "a" + k);
      tags.put(null, "t", (int) k);
    }
    var snapshot = b.snapshotAsync(b.keyGroupRange());
    // Changes after the capture: in place (list add, map put), replaced, removed, new keys.
    for (long k = 0; k < 50; k++) {
      b.setCurrentKey(k);
      sum.update("w", k + 1000);
      seen.add("w", "b" + k);
      tags.put(null, "t", -1);
      tags.put(null, "u", 1);
      if (k % 2 == 0) {
        sum.clear("w");
      }
    }
    b.setCurrentKey(77L);
    sum.update("w", 77L);
    byte[] bytes = snapshot.write();

    HeapKeyedStateBackend<Long> restored = all();
    restored.restore(List.of(bytes));
    ValueState<String, Long> rSum = restored.state(SUM);
    ListState<String, String> rSeen = restored.state(SEEN);
    MapState<Void, String, Integer> rTags = restored.state(TAGS);
    for (long k = 0; k < 50; k++) {
      restored.setCurrentKey(k);
      assertThat(rSum.value("w")).isEqualTo(k);
      assertThat(rSeen.get("w")).containsExactly("a" + k);
      assertThat(rTags.get(null, "t")).isEqualTo((int) k);
      assertThat(rTags.contains(null, "u")).isFalse();
    }
    restored.setCurrentKey(77L);
    assertThat(rSum.value("w")).isNull();
    // And the live backend kept every change.
    b.setCurrentKey(1L);
    assertThat(sum.value("w")).isEqualTo(1001L);
    assertThat(seen.get("w")).containsExactly("a1", "b1");
    assertThat(tags.get(null, "t")).isEqualTo(-1);
  }
}
