package dev.weir.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.state.KeyedStateBackend.StateSnapshot;
import dev.weir.state.heap.HeapStateBackendFactory;
import dev.weir.state.rocksdb.RocksDbStateBackendFactory;
import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.DataOutputView;
import dev.weir.state.serialization.Serializers;
import dev.weir.state.serialization.TypeSerializer;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The conformance test of snapshot isolation every backend passes: a snapshot is the state as it
 * was when it was taken, whatever the task does afterwards, before the snapshot is written, to the
 * state (through the API) and to the objects it read from the state (in place): mutable values (a
 * byte array, a long-array accumulator), lists of mutable elements, maps of mutable values, entries
 * added, removed and cleared, tables growing, several snapshots pending at once.
 */
class SnapshotIsolationTest {

  private static final int MAX = 32;

  /** A byte[] serializer: the values are mutable, so the backend must copy them. */
  static final TypeSerializer<byte[]> BYTES =
      new TypeSerializer<>() {
        @Override
        public void serialize(byte[] value, DataOutputView target) {
          target.writeInt(value.length);
          target.write(value, 0, value.length);
        }

        @Override
        public byte[] deserialize(DataInputView source) throws IOException {
          byte[] b = new byte[source.readInt()];
          source.readFully(b);
          return b;
        }
      };

  /** A mutable accumulator, as Beam's Sum and Count keep one (a long[]). */
  static final TypeSerializer<long[]> LONGS =
      new TypeSerializer<>() {
        @Override
        public void serialize(long[] value, DataOutputView target) {
          target.writeInt(value.length);
          for (long v : value) {
            target.writeLong(v);
          }
        }

        @Override
        public long[] deserialize(DataInputView source) throws IOException {
          long[] v = new long[source.readInt()];
          for (int i = 0; i < v.length; i++) {
            v[i] = source.readLong();
          }
          return v;
        }

        @Override
        public long[] copy(long[] value) {
          return value.clone();
        }
      };

  static final StateSpec<String, ValueState<String, byte[]>> BITMAP =
      StateSpec.value("bitmap", Serializers.STRING, BYTES);
  static final StateSpec<Void, ValueState<Void, long[]>> ACCUMULATOR =
      StateSpec.value("accumulator", Serializers.VOID, LONGS);
  static final StateSpec<String, ListState<String, long[]>> EVENTS =
      StateSpec.list("events", Serializers.STRING, LONGS);
  static final StateSpec<String, ListState<String, String>> NAMES =
      StateSpec.list("names", Serializers.STRING, Serializers.STRING);
  static final StateSpec<Void, MapState<Void, String, long[]>> COUNTERS =
      StateSpec.map("counters", Serializers.VOID, Serializers.STRING, LONGS);
  static final String[] NAMESPACES = {"a", "b"};
  static final String[] COUNTER_NAMES = {"x", "y", "z"};

  @TempDir Path dir;

  private final List<KeyedStateBackend<?>> open = new ArrayList<>();

  @AfterEach
  void closeAll() {
    open.forEach(KeyedStateBackend::close);
  }

  private KeyedStateBackend<Long> backend(String kind) throws IOException {
    KeyedStateBackendFactory factory =
        kind.equals("heap")
            ? HeapStateBackendFactory.INSTANCE
            : new RocksDbStateBackendFactory(dir);
    KeyedStateBackend<Long> b =
        factory.create("op", open.size(), Serializers.LONG, KeyGroupRange.of(0, MAX - 1), MAX);
    open.add(b);
    return b;
  }

  private KeyedStateBackend<Long> restored(String kind, byte[] snapshot) throws IOException {
    KeyedStateBackend<Long> b = backend(kind);
    b.restore(List.of(snapshot));
    return b;
  }

  /**
   * Every state of keys {@code 0..keys-1}, read through the API, as text that compares by content.
   */
  private static Map<String, String> dump(KeyedStateBackend<Long> b, int keys) {
    Map<String, String> all = new TreeMap<>();
    ValueState<String, byte[]> bitmap = b.state(BITMAP);
    ValueState<Void, long[]> accumulator = b.state(ACCUMULATOR);
    ListState<String, long[]> events = b.state(EVENTS);
    ListState<String, String> names = b.state(NAMES);
    MapState<Void, String, long[]> counters = b.state(COUNTERS);
    for (long k = 0; k < keys; k++) {
      b.setCurrentKey(k);
      for (String ns : NAMESPACES) {
        byte[] bits = bitmap.value(ns);
        if (bits != null) {
          all.put(k + "/bitmap/" + ns, Arrays.toString(bits));
        }
        if (!events.isEmpty(ns)) {
          List<String> shown = new ArrayList<>();
          events.get(ns).forEach(e -> shown.add(Arrays.toString(e)));
          all.put(k + "/events/" + ns, shown.toString());
        }
        if (!names.isEmpty(ns)) {
          all.put(k + "/names/" + ns, names.get(ns).toString());
        }
      }
      long[] acc = accumulator.value(null);
      if (acc != null) {
        all.put(k + "/accumulator", Arrays.toString(acc));
      }
      for (String c : COUNTER_NAMES) {
        long[] v = counters.get(null, c);
        if (v != null) {
          all.put(k + "/counters/" + c, Arrays.toString(v));
        }
      }
    }
    return all;
  }

  private static void fill(KeyedStateBackend<Long> b, int keys) {
    ValueState<String, byte[]> bitmap = b.state(BITMAP);
    ValueState<Void, long[]> accumulator = b.state(ACCUMULATOR);
    ListState<String, long[]> events = b.state(EVENTS);
    ListState<String, String> names = b.state(NAMES);
    MapState<Void, String, long[]> counters = b.state(COUNTERS);
    for (long k = 0; k < keys; k++) {
      b.setCurrentKey(k);
      byte[] bits = new byte[4];
      bits[(int) (k % 4)] = (byte) (1 << (k % 8));
      bitmap.update("a", bits);
      accumulator.update(null, new long[] {k, 1});
      events.add("a", new long[] {k});
      events.add("a", new long[] {k + 1});
      names.add("b", "n" + k);
      counters.put(null, "x", new long[] {k});
    }
  }

  /**
   * What a task does after a barrier: changes objects read from state in place, and state through
   * the API.
   */
  private static void changeEverything(KeyedStateBackend<Long> b, int keys) {
    ValueState<String, byte[]> bitmap = b.state(BITMAP);
    ValueState<Void, long[]> accumulator = b.state(ACCUMULATOR);
    ListState<String, long[]> events = b.state(EVENTS);
    ListState<String, String> names = b.state(NAMES);
    MapState<Void, String, long[]> counters = b.state(COUNTERS);
    for (long k = 0; k < keys; k++) {
      b.setCurrentKey(k);
      byte[] bits = bitmap.value("a");
      if (bits != null) {
        bits[0] ^= (byte) 0xFF; // in place; written back for even keys only
        if (k % 2 == 0) {
          bitmap.update("a", bits);
        }
      }
      long[] acc = accumulator.value(null);
      acc[0] += 100; // in place, as CombineFn.addInput does
      acc[1]++;
      accumulator.update(null, acc);
      events.get("a").get(0)[0] =
          -1; // an element read from a list, changed in place (the list is never empty here)
      events.add("a", new long[] {-2});
      if (k % 3 == 0) {
        events.update("b", List.of(new long[] {7}));
      }
      names.add("b", "later" + k);
      if (k % 4 == 0) {
        names.clear("b");
      }
      long[] x = counters.get(null, "x");
      if (x != null) {
        x[0] = 42; // a map value changed in place
      }
      counters.put(null, "y", new long[] {k * 2});
      if (k % 5 == 0) {
        counters.remove(null, "x");
        bitmap.clear("a");
      }
    }
    // New keys: the tables grow while the snapshot is pending.
    for (long k = keys; k < keys * 4; k++) {
      b.setCurrentKey(k);
      accumulator.update(null, new long[] {k});
      bitmap.update("b", new byte[] {1});
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"heap", "rocksdb"})
  void aSnapshotIsTheStateAtTheSnapshotWhateverTheTaskDoesBeforeItIsWritten(String kind)
      throws Exception {
    int keys = 300;
    KeyedStateBackend<Long> b = backend(kind);
    fill(b, keys);
    Map<String, String> atSnapshot = dump(b, keys * 4);
    StateSnapshot snapshot = b.snapshotAsync(b.keyGroupRange());
    changeEverything(b, keys);
    Map<String, String> afterwards = dump(b, keys * 4);
    assertThat(afterwards)
        .as("the task's own changes are in its live state")
        .isNotEqualTo(atSnapshot);
    b.setCurrentKey(1L);
    assertThat(b.state(ACCUMULATOR).value(null)).containsExactly(101, 2);
    b.setCurrentKey(2L);
    assertThat(b.state(BITMAP).value("a")).containsExactly(0xFF, 0, 4, 0);

    byte[] bytes = snapshot.write();

    assertThat(dump(restored(kind, bytes), keys * 4)).isEqualTo(atSnapshot);
    assertThat(dump(b, keys * 4))
        .as("writing the snapshot did not change the live state")
        .isEqualTo(afterwards);
    byte[] next = b.snapshotAsync(b.keyGroupRange()).write();
    assertThat(dump(restored(kind, next), keys * 4))
        .as("a snapshot after the changes")
        .isEqualTo(afterwards);
  }

  @ParameterizedTest
  @ValueSource(strings = {"heap", "rocksdb"})
  void snapshotsPendingTogetherEachKeepTheirOwnState(String kind) throws Exception {
    int keys = 120;
    KeyedStateBackend<Long> b = backend(kind);
    fill(b, keys);
    Map<String, String> first = dump(b, keys * 4);
    StateSnapshot one = b.snapshotAsync(b.keyGroupRange());
    changeEverything(b, keys);
    Map<String, String> second = dump(b, keys * 4);
    StateSnapshot two = b.snapshotAsync(b.keyGroupRange());
    changeEverything(b, keys / 2);
    byte[] twoBytes = two.write(); // the newer one finishes first
    changeEverything(b, keys / 3);
    byte[] oneBytes = one.write();
    assertThat(dump(restored(kind, oneBytes), keys * 4)).isEqualTo(first);
    assertThat(dump(restored(kind, twoBytes), keys * 4)).isEqualTo(second);
  }

  /**
   * The snapshot written on another thread (slowly, as to a slow disk) while the task keeps
   * changing state in place and through the API, tables growing: the bytes are still the state at
   * the snapshot.
   */
  @ParameterizedTest
  @ValueSource(strings = {"heap", "rocksdb"})
  void aSnapshotWrittenOnAnotherThreadWhileTheTaskWorksIsTheStateAtTheSnapshot(String kind)
      throws Exception {
    int keys = 2_000;
    KeyedStateBackend<Long> b = backend(kind);
    fill(b, keys);
    Map<String, String> atSnapshot = dump(b, keys * 4);
    StateSnapshot snapshot = b.snapshotAsync(b.keyGroupRange());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    OutputStream slow =
        new FilterOutputStream(bytes) {
          private int written;

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            for (int i = 0; i < len; i += 512) {
              out.write(b, off + i, Math.min(512, len - i));
              pause();
            }
          }

          @Override
          public void write(int b) throws IOException {
            out.write(b);
            if (++written % 512 == 0) {
              pause();
            }
          }

          private void pause() {
            LockSupport.parkNanos(50_000);
          }
        };
    CountDownLatch taskWorking = new CountDownLatch(1);
    CompletableFuture<Void> writing =
        CompletableFuture.runAsync(
            () -> {
              try {
                taskWorking.await();
                snapshot.writeTo(slow);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              } finally {
                snapshot.release();
              }
            });
    Random random = new Random(11);
    int changes = 0;
    while (!writing.isDone()) {
      randomChange(b, random, keys * 4);
      if (++changes == 1_000) {
        taskWorking.countDown();
      }
    }
    writing.get();
    assertThat(changes).as("changes made before the snapshot was written").isGreaterThan(1_000);
    assertThat(dump(restored(kind, bytes.toByteArray()), keys * 4)).isEqualTo(atSnapshot);
  }

  /**
   * Random work on few keys (long hash chains, tables growing and shrinking) with snapshots taken
   * and written at random moments, several pending at once: each restores to the state of its
   * moment.
   */
  @ParameterizedTest
  @ValueSource(strings = {"heap", "rocksdb"})
  void randomWorkWithRandomSnapshots(String kind) throws Exception {
    for (long seed = 1; seed <= 3; seed++) {
      Random random = new Random(seed);
      KeyedStateBackend<Long> b = backend(kind);
      int keys = 200;
      List<StateSnapshot> pending = new ArrayList<>();
      List<Map<String, String>> expected = new ArrayList<>();
      int checked = 0;
      for (int step = 0; step < 4_000; step++) {
        randomChange(b, random, keys);
        if (random.nextInt(300) == 0 && pending.size() < 3) {
          expected.add(dump(b, keys));
          pending.add(b.snapshotAsync(b.keyGroupRange()));
        } else if (!pending.isEmpty() && random.nextInt(200) == 0) {
          int which = random.nextInt(pending.size());
          byte[] bytes = pending.remove(which).write();
          assertThat(dump(restored(kind, bytes), keys))
              .as("seed %d, step %d", seed, step)
              .isEqualTo(expected.remove(which));
          checked++;
        }
      }
      for (int i = 0; i < pending.size(); i++) {
        assertThat(dump(restored(kind, pending.get(i).write()), keys))
            .as("seed %d, at the end", seed)
            .isEqualTo(expected.get(i));
        checked++;
      }
      assertThat(checked).as("snapshots checked with seed %d", seed).isGreaterThanOrEqualTo(5);
    }
  }

  private static void randomChange(KeyedStateBackend<Long> b, Random random, int keys) {
    b.setCurrentKey((long) random.nextInt(keys));
    String ns = NAMESPACES[random.nextInt(NAMESPACES.length)];
    switch (random.nextInt(10)) {
      case 0 -> b.state(BITMAP).update(ns, new byte[] {(byte) random.nextInt()});
      case 1 -> {
        byte[] bits = b.state(BITMAP).value(ns);
        if (bits != null) {
          bits[0]++;
          if (random.nextBoolean()) {
            b.state(BITMAP).update(ns, bits);
          }
        }
      }
      case 2 -> b.state(BITMAP).clear(ns);
      case 3 -> {
        long[] acc = b.state(ACCUMULATOR).value(null);
        if (acc == null) {
          acc = new long[1];
        }
        acc[0] += random.nextInt(10);
        b.state(ACCUMULATOR).update(null, acc);
      }
      case 4 -> b.state(EVENTS).add(ns, new long[] {random.nextInt(100)});
      case 5 -> {
        List<long[]> events = b.state(EVENTS).get(ns);
        if (!events.isEmpty()) {
          events.get(random.nextInt(events.size()))[0]++;
        }
      }
      case 6 -> {
        if (random.nextBoolean()) {
          b.state(EVENTS).clear(ns);
        } else {
          b.state(NAMES).update(ns, List.of("u" + random.nextInt(10)));
        }
      }
      case 7 -> b.state(NAMES).add(ns, "n" + random.nextInt(10));
      case 8 -> {
        String c = COUNTER_NAMES[random.nextInt(COUNTER_NAMES.length)];
        long[] v = b.state(COUNTERS).get(null, c);
        if (v == null) {
          b.state(COUNTERS).put(null, c, new long[] {1});
        } else {
          v[0]++;
        }
      }
      default -> {
        if (random.nextBoolean()) {
          b.state(COUNTERS).remove(null, COUNTER_NAMES[random.nextInt(COUNTER_NAMES.length)]);
        } else {
          b.state(ACCUMULATOR).clear(null);
        }
      }
    }
  }

  /**
   * The check above can fail: with a serializer that wrongly claims its values are immutable the
   * heap backend cannot isolate them, and the restored state shows the change made after the
   * snapshot.
   */
  @Test
  void withoutIsolationTheRestoredStateShowsLaterChanges() throws Exception {
    TypeSerializer<byte[]> claimsImmutable =
        new TypeSerializer<>() {
          @Override
          public boolean isImmutableType() {
            return true;
          }

          @Override
          public void serialize(byte[] value, DataOutputView target) throws IOException {
            BYTES.serialize(value, target);
          }

          @Override
          public byte[] deserialize(DataInputView source) throws IOException {
            return BYTES.deserialize(source);
          }
        };
    StateSpec<String, ValueState<String, byte[]>> unsafe =
        StateSpec.value("bitmap", Serializers.STRING, claimsImmutable);
    KeyedStateBackend<Long> b = backend("heap");
    b.setCurrentKey(1L);
    b.state(unsafe).update("a", new byte[] {1});
    StateSnapshot snapshot = b.snapshotAsync(b.keyGroupRange());
    b.state(unsafe).value("a")[0] = 2;
    KeyedStateBackend<Long> restored = restored("heap", snapshot.write());
    restored.setCurrentKey(1L);
    assertThat(restored.state(BITMAP).value("a"))
        .as("not isolated: the later change leaked into the snapshot")
        .containsExactly(2);
  }
}
