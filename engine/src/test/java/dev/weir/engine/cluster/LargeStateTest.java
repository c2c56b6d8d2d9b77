package dev.weir.engine.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.engine.checkpoint.CheckpointConfig;
import dev.weir.engine.checkpoint.CheckpointStats;
import dev.weir.engine.checkpoint.CheckpointStorage;
import dev.weir.engine.checkpoint.SubtaskState;
import dev.weir.engine.graph.JobGraph;
import dev.weir.engine.graph.JobVertex;
import dev.weir.engine.operator.AbstractOperator;
import dev.weir.engine.source.SequenceSource;
import dev.weir.state.StateSpec;
import dev.weir.state.ValueState;
import dev.weir.state.rocksdb.RocksDbStateBackendFactory;
import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.DataOutputView;
import dev.weir.state.serialization.Serializers;
import dev.weir.state.serialization.TypeSerializer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * State larger than the heap: about 2 GB of keyed state (2 million keys, 1 KiB each) on RocksDB, in
 * a JVM limited to 512 MiB (its own surefire execution, {@code large-state}); the job runs to
 * completion and its checkpoints, the last one holding all the state, complete; then a periodic
 * checkpoint (more than the heap) is restored, streamed into RocksDB, and every payload checked.
 */
@Tag("large-state")
class LargeStateTest {

  private static final int VALUE_BYTES = 1024;
  static final AtomicLong STORED = new AtomicLong();

  @TempDir Path dir;

  /** Raw bytes, length-prefixed. */
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

  static final StateSpec<Void, ValueState<Void, byte[]>> PAYLOAD =
      StateSpec.value("payload", Serializers.VOID, BYTES);

  /** Each key's 1 KiB of hard-to-compress bytes. */
  static void payloadOf(long key, byte[] value) {
    long x = key * 0x9E3779B97F4A7C15L + 1;
    for (int i = 0; i < VALUE_BYTES; i += 8) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
      for (int j = 0; j < 8; j++) {
        value[i + j] = (byte) (x >>> (8 * j));
      }
    }
  }

  /** Keeps each key's payload. */
  static final class Hoard extends AbstractOperator<Long, Void> {
    private final byte[] value = new byte[VALUE_BYTES];

    @Override
    public void processElement(Long key) {
      payloadOf(key, value);
      context.state(PAYLOAD).update(null, value);
      STORED.incrementAndGet();
    }
  }

  static final AtomicLong FOUND = new AtomicLong();
  static final AtomicLong WRONG = new AtomicLong();

  /** Restored in place of the Hoard: checks every key's payload that the checkpoint holds. */
  static final class CheckHoard extends AbstractOperator<Long, Void> {
    private final byte[] expected = new byte[VALUE_BYTES];

    @Override
    public void processElement(Long key) {
      byte[] stored = context.state(PAYLOAD).value(null);
      if (stored != null) {
        payloadOf(key, expected);
        (Arrays.equals(stored, expected) ? FOUND : WRONG).incrementAndGet();
      }
    }
  }

  @Test
  void twoGigabytesOfKeyedStateRunAndCheckpointUnderHalfAGigabyteOfHeap() throws Exception {
    assertThat(Runtime.getRuntime().maxMemory())
        .as("heap limit of this JVM")
        .isLessThanOrEqualTo(512L * 1024 * 1024);
    long keys = 2_000_000;
    STORED.set(0);
    EngineConfig config =
        EngineConfig.DEFAULT
            .withCheckpoints(
                CheckpointConfig.every(Duration.ofSeconds(5), dir.resolve("checkpoints"))
                    .withRetained(3))
            .withStateBackend(new RocksDbStateBackendFactory(dir.resolve("rocksdb")));
    JobGraph g = new JobGraph("large-state");
    JobVertex src = g.addSource("keys", new SequenceSource(keys), 2);
    JobVertex hoard = g.addOperator("hoard", Hoard::new, 2);
    g.connect(src, hoard).hash((Long k) -> k).kryo(Long.class);
    try (LocalCluster cluster = new LocalCluster(config)) {
      JobClient job = cluster.submit(g);
      JobResult result = job.waitForCompletion(Duration.ofMinutes(15));
      assertThat(result.status()).isEqualTo(JobStatus.FINISHED);
      CheckpointStats stats = job.checkpointStats();
      System.out.printf(
          "large state: %d keys, %d checkpoints, last %.2f GB in %d ms, job %d s%n",
          STORED.get(),
          stats.completed(),
          stats.lastSizeBytes() / 1e9,
          stats.lastDurationMillis(),
          result.duration().toSeconds());
      assertThat(STORED.get()).isEqualTo(keys);
      assertThat(stats.completed()).isPositive();
      // The final checkpoint holds every key's 1 KiB.
      assertThat(stats.lastSizeBytes()).isGreaterThan(keys * VALUE_BYTES);
    }

    // Restore the newest retained checkpoint in which no hoard had finished (a later one may show
    // one finished, which a job with another source must not restore) into a job that checks every
    // payload: the keyed state streams from the files into RocksDB.
    Path runFolder;
    try (var runs = Files.list(dir.resolve("checkpoints"))) {
      runFolder = runs.findFirst().orElseThrow();
    }
    List<Path> retained;
    try (var checkpoints = Files.list(runFolder)) {
      retained =
          checkpoints
              .filter(f -> f.getFileName().toString().startsWith("chk-"))
              .sorted(
                  Comparator.comparingLong(
                          (Path f) -> Long.parseLong(f.getFileName().toString().substring(4)))
                      .reversed())
              .toList();
    }
    Path periodic = null;
    for (Path candidate : retained) {
      if (CheckpointStorage.loadPath(candidate).statesOf("hoard").stream()
          .noneMatch(SubtaskState::finished)) {
        periodic = candidate;
        break;
      }
    }
    assertThat(periodic).as("a retained checkpoint taken before a hoard finished").isNotNull();
    long restoredBytes = CheckpointStorage.loadPath(periodic).sizeBytes();
    assertThat(restoredBytes)
        .as("state to restore, more than the heap")
        .isGreaterThan(Runtime.getRuntime().maxMemory());
    FOUND.set(0);
    WRONG.set(0);
    JobGraph check = new JobGraph("large-state");
    JobVertex all = check.addSource("all keys", new SequenceSource(keys), 2);
    JobVertex checkHoard = check.addOperator("hoard", CheckHoard::new, 2);
    check.connect(all, checkHoard).hash((Long k) -> k).kryo(Long.class);
    EngineConfig restoreConfig =
        EngineConfig.DEFAULT.withStateBackend(
            new RocksDbStateBackendFactory(dir.resolve("rocksdb-restored")));
    try (LocalCluster cluster = new LocalCluster(restoreConfig)) {
      long start = System.nanoTime();
      JobResult result =
          cluster.submit(check, restoreConfig, periodic).waitForCompletion(Duration.ofMinutes(15));
      assertThat(result.status()).isEqualTo(JobStatus.FINISHED);
      System.out.printf(
          "large state: restored %.2f GB from %s and checked %d payloads in %d s%n",
          restoredBytes / 1e9,
          periodic.getFileName(),
          FOUND.get(),
          (System.nanoTime() - start) / 1_000_000_000L);
    }
    assertThat(WRONG.get()).as("payloads restored wrong").isZero();
    assertThat(FOUND.get() * VALUE_BYTES)
        .as("payload bytes restored")
        .isGreaterThan(Runtime.getRuntime().maxMemory());
  }
}
