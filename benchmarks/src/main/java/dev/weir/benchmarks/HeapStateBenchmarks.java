package dev.weir.benchmarks;

import dev.weir.state.KeyGroupRange;
import dev.weir.state.KeyedStateBackend;
import dev.weir.state.KeyedStateBackend.StateSnapshot;
import dev.weir.state.StateSpec;
import dev.weir.state.ValueState;
import dev.weir.state.heap.HeapStateBackendFactory;
import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.DataOutputView;
import dev.weir.state.serialization.Serializers;
import dev.weir.state.serialization.TypeSerializer;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The heap backend's per-record path and its snapshots, alone: a read and a write per record of a
 * keyed sum (immutable {@code Long} values and mutable {@code long[]} accumulators changed in
 * place, as Beam's Sum keeps them), with no snapshot pending and right after a snapshot (when each
 * first access copies what the snapshot shares); and the synchronous and asynchronous parts of a
 * snapshot by state size. Uses only the backend's public API, so the same class measures an older
 * build of the backend.
 */
@Command(
    name = "heap-state-benchmarks",
    mixinStandardHelpOptions = true,
    description =
        "Heap keyed state: ns per record with and without a pending snapshot, snapshot phases by state size.")
public final class HeapStateBenchmarks implements Callable<Integer> {

  @Option(names = "--keys", description = "Keys in state (default: ${DEFAULT-VALUE}).")
  int keys = 1_000_000;

  @Option(
      names = "--rounds",
      description = "Measured rounds, after one warm-up (default: ${DEFAULT-VALUE}).")
  int rounds = 5;

  private static final int MAX_PARALLELISM = 128;

  /** A long[] accumulator, changed in place. */
  static final TypeSerializer<long[]> ACCUMULATOR =
      new TypeSerializer<>() {
        @Override
        public void serialize(long[] value, DataOutputView target) {
          target.writeLong(value[0]);
        }

        @Override
        public long[] deserialize(DataInputView source) throws IOException {
          return new long[] {source.readLong()};
        }

        @Override
        public long[] copy(long[] value) {
          return value.clone();
        }
      };

  static final StateSpec<Void, ValueState<Void, Long>> BOXED =
      StateSpec.value("boxed", Serializers.VOID, Serializers.LONG);
  static final StateSpec<Void, ValueState<Void, long[]>> ARRAY =
      StateSpec.value("array", Serializers.VOID, ACCUMULATOR);

  public static void main(String[] args) {
    System.exit(new CommandLine(new HeapStateBenchmarks()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    System.out.printf(
        "Heap state benchmarks: %,d keys, %d rounds (+1 warm-up), max heap %d MiB%n",
        keys, rounds, Runtime.getRuntime().maxMemory() >> 20);
    Long[] boxedKeys = new Long[keys];
    for (int i = 0; i < keys; i++) {
      boxedKeys[i] = (long) i * 7919;
    }
    KeyGroupRange all = KeyGroupRange.of(0, MAX_PARALLELISM - 1);
    long checksum = 0;
    double[] boxed = new double[rounds];
    double[] array = new double[rounds];
    double[] arrayAfterSnapshot = new double[rounds];
    double[] boxedAfterSnapshot = new double[rounds];
    double[] syncMillis = new double[rounds];
    double[] asyncMillis = new double[rounds];
    long size = 0;
    for (int round = -1; round < rounds; round++) {
      try (KeyedStateBackend<Long> backend =
          HeapStateBackendFactory.INSTANCE.create(
              "bench", 0, Serializers.LONG, all, MAX_PARALLELISM)) {
        ValueState<Void, Long> sums = backend.state(BOXED);
        ValueState<Void, long[]> accumulators = backend.state(ARRAY);
        for (Long key : boxedKeys) { // fill
          backend.setCurrentKey(key);
          sums.update(null, 0L);
          accumulators.update(null, new long[1]);
        }
        double boxedNs = addToSums(backend, boxedKeys, sums);
        double arrayNs = addToAccumulators(backend, boxedKeys, accumulators);
        long start = System.nanoTime();
        StateSnapshot snapshot = backend.snapshotAsync(all);
        double sync = (System.nanoTime() - start) / 1e6;
        // Every access of these passes is the first after the snapshot.
        double boxedAfterSnapshotNs = addToSums(backend, boxedKeys, sums);
        double afterSnapshotNs = addToAccumulators(backend, boxedKeys, accumulators);
        start = System.nanoTime();
        byte[] bytes = snapshot.write();
        double async = (System.nanoTime() - start) / 1e6;
        backend.setCurrentKey(boxedKeys[keys / 2]);
        checksum += sums.value(null) + accumulators.value(null)[0] + bytes.length;
        if (round >= 0) {
          boxed[round] = boxedNs;
          array[round] = arrayNs;
          arrayAfterSnapshot[round] = afterSnapshotNs;
          boxedAfterSnapshot[round] = boxedAfterSnapshotNs;
          syncMillis[round] = sync;
          asyncMillis[round] = async;
          size = bytes.length;
        }
      }
    }
    System.out.printf(
        "read+write per record, Long values:              %6.1f ns (median)%n", median(boxed));
    System.out.printf(
        "the same, first access after a snapshot:        %6.1f ns (median; includes copying what the snapshot shares)%n",
        median(boxedAfterSnapshot));
    System.out.printf(
        "read+change in place+write, long[] values:      %6.1f ns (median)%n", median(array));
    System.out.printf(
        "the same, first access after a snapshot:        %6.1f ns (median)%n",
        median(arrayAfterSnapshot));
    System.out.printf(
        "snapshot of %,d entries (%,d bytes): synchronous part %.2f ms, asynchronous part %.1f ms (medians)%n",
        2L * keys, size, median(syncMillis), median(asyncMillis));
    System.out.printf("(checksum %d)%n", checksum);
    return 0;
  }

  /** Reads, adds one to and writes back each key's Long; returns ns per key. */
  private static double addToSums(
      KeyedStateBackend<Long> backend, Long[] keys, ValueState<Void, Long> sums) {
    long start = System.nanoTime();
    for (Long key : keys) {
      backend.setCurrentKey(key);
      sums.update(null, sums.value(null) + 1);
    }
    return (System.nanoTime() - start) / (double) keys.length;
  }

  /** Reads each key's long[], adds one to it in place and writes it back; returns ns per key. */
  private static double addToAccumulators(
      KeyedStateBackend<Long> backend, Long[] keys, ValueState<Void, long[]> accumulators) {
    long start = System.nanoTime();
    for (Long key : keys) {
      backend.setCurrentKey(key);
      long[] acc = accumulators.value(null);
      acc[0]++;
      accumulators.update(null, acc);
    }
    return (System.nanoTime() - start) / (double) keys.length;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
