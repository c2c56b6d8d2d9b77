package dev.weir.engine.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.engine.TestSupport;
import dev.weir.engine.graph.JobEdge;
import dev.weir.engine.graph.JobGraph;
import dev.weir.engine.graph.JobVertex;
import dev.weir.engine.operator.AbstractOperator;
import dev.weir.engine.serialization.KryoSerializer;
import dev.weir.engine.source.SequenceSource;
import dev.weir.state.KeyGroups;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class PartitioningTest {

  private static final LocalCluster CLUSTER = new LocalCluster();

  @AfterAll
  static void shutdown() {
    CLUSTER.close();
  }

  /** Records each (subtask, record) pair it sees. */
  static final class SubtaskRecorder extends AbstractOperator<Long, Void> {
    private final ConcurrentLinkedQueue<long[]> seen;

    SubtaskRecorder(ConcurrentLinkedQueue<long[]> seen) {
      this.seen = seen;
    }

    @Override
    public void processElement(Long record) {
      seen.add(new long[] {context.subtaskIndex(), record});
    }
  }

  private static JobGraph graph(
      String name,
      int sourceParallelism,
      int sinkParallelism,
      long n,
      ConcurrentLinkedQueue<long[]> seen,
      Consumer<JobEdge> partitioning) {
    JobGraph g = new JobGraph(name);
    JobVertex src = g.addSource("numbers", new SequenceSource(n), sourceParallelism);
    JobVertex sink = g.addOperator("sink", () -> new SubtaskRecorder(seen), sinkParallelism);
    partitioning.accept(g.connect(src, sink).serializer(new KryoSerializer<>(Long.class)));
    return g;
  }

  @Test
  void hashSendsEveryKeyToExactlyOneSubtaskTheOneOwningItsKeyGroup() throws Exception {
    ConcurrentLinkedQueue<long[]> seen = new ConcurrentLinkedQueue<>();
    long n = 20_000;
    TestSupport.run(CLUSTER, graph("hash", 2, 3, n, seen, e -> e.hash((Long v) -> v % 1000)));

    assertThat(seen).hasSize((int) n);
    Map<Long, Set<Long>> subtasksPerKey = new HashMap<>();
    for (long[] s : seen) {
      subtasksPerKey.computeIfAbsent(s[1] % 1000, k -> new HashSet<>()).add(s[0]);
    }
    assertThat(subtasksPerKey).hasSize(1000);
    Set<Long> usedSubtasks = new HashSet<>();
    subtasksPerKey.forEach(
        (key, subtasks) -> {
          assertThat(subtasks).as("subtasks of key %d", key).hasSize(1);
          long expected = KeyGroups.subtaskFor(KeyGroups.keyGroupFor(key, 128), 128, 3);
          assertThat(subtasks).containsExactly(expected);
          usedSubtasks.addAll(subtasks);
        });
    assertThat(usedSubtasks).containsExactlyInAnyOrder(0L, 1L, 2L);
  }

  @Test
  void broadcastDeliversEveryRecordToEverySubtask() throws Exception {
    ConcurrentLinkedQueue<long[]> seen = new ConcurrentLinkedQueue<>();
    long n = 5_000;
    TestSupport.run(CLUSTER, graph("broadcast", 2, 3, n, seen, e -> e.broadcast()));

    assertThat(seen).hasSize((int) n * 3);
    for (long subtask = 0; subtask < 3; subtask++) {
      Set<Long> records = new HashSet<>();
      for (long[] s : seen) {
        if (s[0] == subtask) {
          records.add(s[1]);
        }
      }
      assertThat(records).as("records of subtask %d", subtask).hasSize((int) n);
    }
  }

  @Test
  void rebalanceSpreadsRecordsEvenly() throws Exception {
    ConcurrentLinkedQueue<long[]> seen = new ConcurrentLinkedQueue<>();
    long n = 9_000;
    TestSupport.run(CLUSTER, graph("rebalance", 1, 3, n, seen, e -> e.rebalance()));

    assertThat(seen).hasSize((int) n);
    long[] perSubtask = new long[3];
    Set<Long> distinct = new HashSet<>();
    for (long[] s : seen) {
      perSubtask[(int) s[0]]++;
      distinct.add(s[1]);
    }
    assertThat(distinct).hasSize((int) n);
    assertThat(perSubtask).containsExactly(3000, 3000, 3000);
  }

  @Test
  void unchainedForwardKeepsTheSubtaskIndex() throws Exception {
    ConcurrentLinkedQueue<long[]> seen = new ConcurrentLinkedQueue<>();
    long n = 4_000;
    JobGraph g = graph("forward", 2, 2, n, seen, e -> e.forward());
    g.vertex("sink").disableChaining();
    TestSupport.run(CLUSTER, g);

    assertThat(seen).hasSize((int) n);
    for (long[] s : seen) {
      // SequenceSource gives subtask 0 the lower half.
      assertThat(s[0]).isEqualTo(s[1] < n / 2 ? 0 : 1);
    }
  }
}
