package dev.weir.engine.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.engine.cluster.LocalCluster;
import dev.weir.engine.operator.Operators;
import dev.weir.engine.source.SequenceSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class JobGraphValidatorTest {

  private static final LocalCluster CLUSTER = new LocalCluster();

  @AfterAll
  static void shutdown() {
    CLUSTER.close();
  }

  private static OperatorFactory<Long, Long> identity() {
    return () -> Operators.map((Long v) -> v);
  }

  @Test
  void refusesACycleNamingItsVertices() {
    JobGraph g = new JobGraph("cyclic");
    JobVertex src = g.addSource("src", new SequenceSource(10), 1);
    JobVertex a = g.addOperator("a", identity(), 1);
    JobVertex b = g.addOperator("b", identity(), 1);
    g.connect(src, a).kryo(Long.class);
    g.connect(a, b).kryo(Long.class);
    g.connect(b, a).kryo(Long.class);

    assertThatThrownBy(() -> CLUSTER.submit(g))
        .isInstanceOf(InvalidJobGraphException.class)
        .hasMessageContaining("cycle")
        .hasMessageContaining("'a'")
        .hasMessageContaining("'b'")
        .hasMessageContaining("acyclic");
  }

  @Test
  void refusesANonChainedEdgeWithoutSerializer() {
    JobGraph g = new JobGraph("no-serializer");
    JobVertex src = g.addSource("src", new SequenceSource(10), 2);
    JobVertex sink = g.addOperator("sink", identity(), 3);
    g.connect(src, sink).rebalance();

    assertThatThrownBy(() -> CLUSTER.submit(g))
        .isInstanceOf(InvalidJobGraphException.class)
        .hasMessageContaining("'src' -> 'sink'")
        .hasMessageContaining("no serializer")
        .hasMessageContaining("JobEdge.serializer(");
  }

  @Test
  void aChainedEdgeNeedsNoSerializer() {
    JobGraph g = new JobGraph("chained-no-serializer");
    JobVertex src = g.addSource("src", new SequenceSource(10), 2);
    JobVertex sink = g.addOperator("sink", identity(), 2);
    g.connect(src, sink);

    assertThat(JobGraphValidator.validate(g)).containsExactly(src, sink);
  }

  @Test
  void refusesParallelismBelowOne() {
    JobGraph g = new JobGraph("zero");
    g.addSource("src", new SequenceSource(10), 0);

    assertThatThrownBy(() -> CLUSTER.submit(g))
        .isInstanceOf(InvalidJobGraphException.class)
        .hasMessageContaining("vertex 'src'")
        .hasMessageContaining("parallelism 0")
        .hasMessageContaining("at least 1");
  }

  @Test
  void refusesMaxParallelismBelowParallelism() {
    JobGraph g = new JobGraph("max");
    JobVertex src = g.addSource("src", new SequenceSource(10), 1);
    JobVertex counter = g.addOperator("counter", identity(), 8).maxParallelism(4);
    g.connect(src, counter).hash((Long v) -> v).kryo(Long.class);

    assertThatThrownBy(() -> CLUSTER.submit(g))
        .isInstanceOf(InvalidJobGraphException.class)
        .hasMessageContaining("vertex 'counter'")
        .hasMessageContaining("max parallelism 4")
        .hasMessageContaining("raise the max parallelism");
  }

  @Test
  void refusesAnEdgeToAnUnknownVertex() {
    JobGraph g = new JobGraph("unknown-target");
    g.addSource("src", new SequenceSource(10), 1);
    g.connect("src", "nowhere").kryo(Long.class);

    assertThatThrownBy(() -> CLUSTER.submit(g))
        .isInstanceOf(InvalidJobGraphException.class)
        .hasMessageContaining("'nowhere'")
        .hasMessageContaining("not in this job graph");
  }

  @Test
  void refusesAnEdgeToAVertexOfAnotherGraph() {
    JobGraph other = new JobGraph("other");
    JobVertex foreign = other.addOperator("foreign", identity(), 1);
    JobGraph g = new JobGraph("foreign-target");
    JobVertex src = g.addSource("src", new SequenceSource(10), 1);
    g.connect(src, foreign).kryo(Long.class);

    assertThatThrownBy(() -> CLUSTER.submit(g))
        .isInstanceOf(InvalidJobGraphException.class)
        .hasMessageContaining("'foreign'")
        .hasMessageContaining("not in this job graph");
  }

  @Test
  void refusesForwardBetweenDifferentParallelism() {
    JobGraph g = new JobGraph("forward-mismatch");
    JobVertex src = g.addSource("src", new SequenceSource(10), 2);
    JobVertex sink = g.addOperator("sink", identity(), 3);
    g.connect(src, sink).kryo(Long.class);

    assertThatThrownBy(() -> CLUSTER.submit(g))
        .isInstanceOf(InvalidJobGraphException.class)
        .hasMessageContaining("FORWARD")
        .hasMessageContaining("REBALANCE or HASH");
  }

  @Test
  void refusesAnOperatorWithoutInput() {
    JobGraph g = new JobGraph("dangling");
    g.addSource("src", new SequenceSource(10), 1);
    g.addOperator("orphan", identity(), 1);

    assertThatThrownBy(() -> CLUSTER.submit(g))
        .isInstanceOf(InvalidJobGraphException.class)
        .hasMessageContaining("vertex 'orphan' has no input");
  }
}
