package dev.weir.engine.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.engine.checkpoint.CheckpointConfig;
import dev.weir.engine.checkpoint.CheckpointStats;
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * State larger than the heap: about 2 GB of keyed state (2 million keys, 1 KiB each) on RocksDB,
 * in a JVM limited to 512 MiB (its own surefire execution, {@code large-state}); the job runs to
 * completion and its checkpoints, the last one holding all the state, complete.
 */
@Tag("large-state")
class LargeStateTest {

  private static final int VALUE_BYTES = 1024;
  static final AtomicLong STORED = new AtomicLong();

  @TempDir
  Path dir;

  /** Raw bytes, length-prefixed. */
  static final TypeSerializer<byte[]> BYTES = new TypeSerializer<>() {
    @Override
    public void serialize(byte[] value, DataOutputView target) {
      target.writeInt(value.length);
      target.write(value, 0, value.length);
    }

    @Override
    public byte[] deserialize(DataInputView source) throws java.io.IOException {
      byte[] b = new byte[source.readInt()];
      source.readFully(b);
      return b;
    }
  };

  /** Keeps 1 KiB of hard-to-compress bytes per key. */
  static final class Hoard extends AbstractOperator<Long, Void> {
    private static final StateSpec<Void, ValueState<Void, byte[]>> PAYLOAD = StateSpec.value("payload", Serializers.VOID, BYTES);
    private final byte[] value = new byte[VALUE_BYTES];

    @Override
    public void processElement(Long key) {
      long x = key * 0x9E3779B97F4A7C15L + 1;
      for (int i = 0; i < VALUE_BYTES; i += 8) {
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        for (int j = 0; j < 8; j++) {
          value[i + j] = (byte) (x >>> (8 * j));
        }
      }
      context.state(PAYLOAD).update(null, value);
      STORED.incrementAndGet();
    }
  }

  @Test
  void twoGigabytesOfKeyedStateRunAndCheckpointUnderHalfAGigabyteOfHeap() throws Exception {
    assertThat(Runtime.getRuntime().maxMemory()).as("heap limit of this JVM").isLessThanOrEqualTo(512L * 1024 * 1024);
    long keys = 2_000_000;
    STORED.set(0);
    EngineConfig config = EngineConfig.DEFAULT
        .withCheckpoints(CheckpointConfig.every(Duration.ofSeconds(5), dir.resolve("checkpoints")).withRetained(1))
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
      System.out.printf("large state: %d keys, %d checkpoints, last %.2f GB in %d ms, job %d s%n", STORED.get(), stats.completed(),
          stats.lastSizeBytes() / 1e9, stats.lastDurationMillis(), result.duration().toSeconds());
      assertThat(STORED.get()).isEqualTo(keys);
      assertThat(stats.completed()).isPositive();
      // The final checkpoint holds every key's 1 KiB.
      assertThat(stats.lastSizeBytes()).isGreaterThan(keys * VALUE_BYTES);
    }
  }
}
