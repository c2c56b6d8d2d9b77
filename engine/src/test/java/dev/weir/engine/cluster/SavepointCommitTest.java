package dev.weir.engine.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weir.engine.checkpoint.CheckpointConfig;
import dev.weir.engine.graph.JobGraph;
import dev.weir.engine.graph.JobVertex;
import dev.weir.engine.operator.Operators;
import dev.weir.engine.source.Source;
import dev.weir.engine.source.SourceOutput;
import dev.weir.engine.source.SourceReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, point 1: what a source commits when a checkpoint completes (an acknowledging source
 * acks its records) must match what a restore reads again. A failover restores the latest
 * checkpoint, so an intermediate savepoint commits nothing; a stop-with-savepoint, which the job
 * resumes from, commits before the tasks stop.
 */
class SavepointCommitTest {

  /** Subtask index to the checkpoint ids its reader was told complete. */
  static final Map<Integer, Set<Long>> COMMITTED = new ConcurrentHashMap<>();

  static final AtomicLong EMITTED = new AtomicLong();

  @TempDir Path dir;

  /** Emits a number a millisecond; commits (records) the checkpoints it is told complete. */
  static final class AcknowledgingSource implements Source<Long> {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean isBounded() {
      return false;
    }

    @Override
    public SourceReader<Long> createReader(int subtask, int parallelism) {
      return reader(subtask, 0);
    }

    @Override
    public SourceReader<Long> restoreReader(int subtask, int parallelism, List<Object> positions) {
      return reader(subtask, positions.isEmpty() ? 0 : (Long) positions.get(0));
    }

    private static SourceReader<Long> reader(int subtask, long start) {
      return new SourceReader<>() {
        long next = start;
        long lastNanos;

        @Override
        public Status emitNext(SourceOutput<Long> output) {
          long now = System.nanoTime();
          if (now - lastNanos < 1_000_000) {
            return Status.NOTHING_AVAILABLE;
          }
          lastNanos = now;
          output.emit(next++);
          EMITTED.incrementAndGet();
          return Status.MORE_AVAILABLE;
        }

        @Override
        public Object position() {
          return next;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
          COMMITTED.computeIfAbsent(subtask, s -> ConcurrentHashMap.newKeySet()).add(checkpointId);
        }
      };
    }
  }

  @Test
  void anIntermediateSavepointCommitsNothingAndAStopWithSavepointCommitsBeforeTheTasksStop()
      throws Exception {
    EngineConfig config =
        EngineConfig.DEFAULT.withCheckpoints(CheckpointConfig.every(Duration.ZERO, dir));
    JobGraph g = new JobGraph("acknowledging");
    JobVertex src = g.addSource("source", new AcknowledgingSource(), 2);
    JobVertex sink = g.addOperator("sink", () -> Operators.sink((Long v) -> {}), 2);
    g.connect(src, sink).forward().kryo(Long.class);

    try (LocalCluster cluster = new LocalCluster(config)) {
      JobClient job = cluster.submit(g);
      await().atMost(Duration.ofSeconds(30)).until(() -> EMITTED.get() > 100);

      long savepoint = job.triggerSavepoint().get(30, TimeUnit.SECONDS).id();
      long checkpoint = job.triggerCheckpoint().get(30, TimeUnit.SECONDS).id();
      // Completions reach a task in order: once the checkpoint's arrived, the savepoint's would
      // have too.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  COMMITTED.getOrDefault(0, Set.of()).contains(checkpoint)
                      && COMMITTED.getOrDefault(1, Set.of()).contains(checkpoint));
      for (int subtask = 0; subtask < 2; subtask++) {
        assertThat(COMMITTED.get(subtask))
            .as("subtask %d committed the intermediate savepoint %d", subtask, savepoint)
            .doesNotContain(savepoint);
      }

      long stop = job.stopWithSavepoint().get(30, TimeUnit.SECONDS).id();
      assertThat(job.waitForCompletion(Duration.ofSeconds(30)).status())
          .isEqualTo(JobStatus.FINISHED);
      for (int subtask = 0; subtask < 2; subtask++) {
        assertThat(COMMITTED.get(subtask))
            .as("subtask %d committed the stop-with-savepoint %d before it stopped", subtask, stop)
            .contains(stop);
      }
    }
  }
}
