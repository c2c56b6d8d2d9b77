package dev.weir.engine.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.weir.engine.checkpoint.CheckpointConfig;
import dev.weir.engine.checkpoint.SnapshotDeclinedException;
import dev.weir.engine.graph.JobGraph;
import dev.weir.engine.graph.JobVertex;
import dev.weir.engine.operator.AbstractOperator;
import dev.weir.engine.operator.Operators;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator that cannot be snapshotted declines a savepoint with its reason; the savepoint fails
 * naming it, nothing downstream waits for its barrier, and the job runs on.
 */
class SnapshotDeclineTest {

  static final AtomicLong PASSED = new AtomicLong();

  @TempDir Path dir;

  /** Passes records on; refuses every snapshot. */
  static final class Unsnapshottable extends AbstractOperator<Long, Long> {
    @Override
    public void processElement(Long record) {
      PASSED.incrementAndGet();
      output.emit(record);
    }

    @Override
    public void processWatermark(long watermark) {
      context.emitWatermark(watermark);
    }

    @Override
    public byte[] snapshotOperatorState(long checkpointId) throws Exception {
      throw new SnapshotDeclinedException("holds what no snapshot can carry");
    }
  }

  @Test
  void aDeclinedSavepointFailsNamingTheReasonAndTheJobRunsOn() throws Exception {
    EngineConfig config =
        EngineConfig.DEFAULT.withCheckpoints(CheckpointConfig.every(Duration.ZERO, dir));
    JobGraph g = new JobGraph("declining");
    JobVertex src = g.addSource("source", new SavepointCommitTest.AcknowledgingSource(), 2);
    JobVertex refusing = g.addOperator("refusing", Unsnapshottable::new, 2);
    JobVertex sink = g.addOperator("sink", () -> Operators.sink((Long v) -> {}), 2);
    g.connect(src, refusing).rebalance().kryo(Long.class);
    g.connect(refusing, sink).rebalance().kryo(Long.class);

    try (LocalCluster cluster = new LocalCluster(config)) {
      JobClient job = cluster.submit(g);
      await().atMost(Duration.ofSeconds(30)).until(() -> PASSED.get() > 100);
      for (int attempt = 0; attempt < 2; attempt++) {
        assertThatThrownBy(() -> job.triggerSavepoint().get(30, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class)
            .hasMessageContaining("holds what no snapshot can carry");
      }
      long before = PASSED.get();
      await().atMost(Duration.ofSeconds(30)).until(() -> PASSED.get() > before + 100);
      assertThat(job.status()).isEqualTo(JobStatus.RUNNING);
      job.cancel();
    }
  }
}
