package dev.weir.engine.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.engine.TestSupport;
import dev.weir.engine.TwoPhaseCommitSink;
import dev.weir.engine.checkpoint.CheckpointConfig;
import dev.weir.engine.checkpoint.FaultInjector;
import dev.weir.engine.graph.JobGraph;
import dev.weir.engine.graph.JobVertex;
import dev.weir.engine.operator.AbstractOperator;
import dev.weir.engine.serialization.KryoSerializer;
import dev.weir.engine.task.Task;
import dev.weir.state.StateSpec;
import dev.weir.state.ValueState;
import dev.weir.state.serialization.Serializers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once under failures, on the engine alone: a paced source, a keyed counter (per-key
 * sequence numbers in keyed state) and a sink that commits its output only when a checkpoint
 * completes. Tasks are killed at random times, while aligning barriers and while writing snapshots;
 * afterwards every input number is in the committed output exactly once, and every key's sequence
 * numbers are exactly 1..n.
 */
class ExactlyOnceTest {

  private static final int KEYS = 50;

  /**
   * Committed output: transaction id (sink subtask, checkpoint) → records {value, key, sequence}.
   */
  static final Map<String, List<long[]>> COMMITTED = new ConcurrentHashMap<>();

  @TempDir Path checkpoints;

  @Test
  void outputIsExactlyOnceDespiteTwentyFailures() throws Exception {
    COMMITTED.clear();
    long count = 300_000;
    AtomicInteger alignmentFailures = new AtomicInteger();
    AtomicInteger asyncFailures = new AtomicInteger();
    AtomicInteger alignments = new AtomicInteger();
    AtomicInteger asyncWrites = new AtomicInteger();
    FaultInjector faults =
        new FaultInjector() {
          @Override
          public void alignmentStarted(String task, long checkpointId) {
            if (alignmentFailures.get() < 5 && alignments.incrementAndGet() % 13 == 0) {
              alignmentFailures.incrementAndGet();
              throw new InjectedFailure(
                  "during alignment of checkpoint " + checkpointId + " in " + task);
            }
          }

          @Override
          public void asyncSnapshot(String task, long checkpointId) {
            if (asyncFailures.get() < 5 && asyncWrites.incrementAndGet() % 17 == 0) {
              asyncFailures.incrementAndGet();
              throw new InjectedFailure(
                  "while writing the snapshot of checkpoint " + checkpointId + " in " + task);
            }
          }
        };
    EngineConfig config =
        EngineConfig.DEFAULT
            .withCheckpoints(CheckpointConfig.every(Duration.ofMillis(30), checkpoints))
            .withRestartStrategy(RestartStrategy.fixedDelay(100, Duration.ofMillis(10)))
            .withFaults(faults);

    JobGraph g = new JobGraph("exactly-once");
    JobVertex src = g.addSource("numbers", new TestSupport.PacedSequence(count, 25), 2);
    JobVertex counter = g.addOperator("count per key", KeyedSequencer::new, 3);
    JobVertex sink = g.addOperator("committing sink", CommittingSink::new, 2);
    g.connect(src, counter).hash((Long v) -> v % KEYS).kryo(Long.class);
    g.connect(counter, sink).rebalance().kryo(long[].class);

    try (LocalCluster cluster = new LocalCluster(config)) {
      JobExecution job = (JobExecution) cluster.submit(g);
      Random random = new Random(42);
      int killed = 0;
      while (!job.status().isTerminal() && job.restarts() < 24) {
        Thread.sleep(100 + random.nextInt(150));
        List<Task> tasks = job.tasks();
        if (job.status() == JobStatus.RUNNING && !tasks.isEmpty()) {
          tasks
              .get(random.nextInt(tasks.size()))
              .failExternally(new InjectedFailure("killed at a random time"));
          killed++;
        }
      }
      JobResult result = job.waitForCompletion(Duration.ofMinutes(3));
      assertThat(result.status()).isEqualTo(JobStatus.FINISHED);
      int injected = killed + alignmentFailures.get() + asyncFailures.get();
      assertThat(killed).as("tasks killed at random times").isPositive();
      assertThat(alignmentFailures.get()).as("failures during alignment").isPositive();
      assertThat(asyncFailures.get()).as("failures while writing snapshots").isPositive();
      assertThat(injected)
          .as(
              "failures injected (killed %d, while aligning %d, while writing %d; %d restarts)",
              killed, alignmentFailures.get(), asyncFailures.get(), job.restarts())
          .isGreaterThanOrEqualTo(20);
      assertThat(job.restarts()).as("restarts").isGreaterThanOrEqualTo(20);
      assertThat(job.checkpointStats().completed()).isPositive();
    }
    TestSupport.assertNoThreadsLeft("exactly-once");

    List<long[]> records = new ArrayList<>();
    COMMITTED.values().forEach(records::addAll);
    TwoPhaseCommitSink.assertExactlyOnce(records, count, KEYS);
  }

  static final class InjectedFailure extends RuntimeException {
    InjectedFailure(String message) {
      super(message);
    }
  }

  /**
   * Numbers each record per key in keyed state: emits {value, key, sequence}. The state is a
   * mutable array, changed in place and written back.
   */
  static final class KeyedSequencer extends AbstractOperator<Long, long[]> {
    private static final StateSpec<Void, ValueState<Void, long[]>> SEQUENCE =
        StateSpec.value("sequence", Serializers.VOID, new KryoSerializer<>(long[].class));

    @Override
    public void processElement(Long value) {
      ValueState<Void, long[]> sequence = context.state(SEQUENCE);
      long[] last = sequence.value(null);
      if (last == null) {
        last = new long[1];
      }
      last[0]++;
      sequence.update(null, last);
      output.emit(new long[] {value, value % KEYS, last[0]});
    }
  }

  /** Commits into {@link #COMMITTED}, keeping the first commit of a transaction. */
  static final class CommittingSink extends TwoPhaseCommitSink {
    @Override
    protected void commit(String transaction, List<long[]> records) {
      COMMITTED.putIfAbsent(transaction, records);
    }
  }
}
