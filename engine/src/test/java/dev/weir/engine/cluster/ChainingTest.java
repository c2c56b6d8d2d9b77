package dev.weir.engine.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.engine.TestSupport;
import dev.weir.engine.graph.JobGraph;
import dev.weir.engine.graph.JobVertex;
import dev.weir.engine.operator.Operators;
import dev.weir.engine.source.SequenceSource;
import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.DataOutputView;
import dev.weir.state.serialization.TypeSerializer;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class ChainingTest {

  private static final LocalCluster CLUSTER = new LocalCluster();

  @AfterAll
  static void shutdown() {
    CLUSTER.close();
  }

  /** Counts every record it writes or reads. */
  static final class CountingSerializer implements TypeSerializer<Long> {
    final AtomicLong serialized = new AtomicLong();
    final AtomicLong deserialized = new AtomicLong();

    @Override
    public void serialize(Long value, DataOutputView target) {
      serialized.incrementAndGet();
      target.writeLong(value);
    }

    @Override
    public Long deserialize(DataInputView source) throws IOException {
      deserialized.incrementAndGet();
      return source.readLong();
    }
  }

  private static JobGraph pipeline(
      String name,
      CountingSerializer serializer,
      LongAdder sum,
      AtomicLong objectsSeen,
      boolean chain) {
    JobGraph g = new JobGraph(name);
    JobVertex src = g.addSource("numbers", new SequenceSource(10_000), 2);
    JobVertex map = g.addOperator("double", () -> Operators.map((Long v) -> v * 2), 2);
    JobVertex sink =
        g.addOperator(
            "sink",
            () ->
                Operators.sink(
                    (Long v) -> {
                      sum.add(v);
                      objectsSeen.incrementAndGet();
                    }),
            2);
    g.connect(src, map).serializer(serializer);
    g.connect(map, sink).serializer(serializer);
    if (!chain) {
      map.disableChaining();
      sink.disableChaining();
    }
    return g;
  }

  @Test
  void chainedOperatorsHandOverObjectsAndSerializeNothing() throws Exception {
    CountingSerializer serializer = new CountingSerializer();
    LongAdder sum = new LongAdder();
    AtomicLong seen = new AtomicLong();
    JobGraph g = pipeline("chained", serializer, sum, seen, true);
    assertThat(g.edges()).allMatch(e -> e.isChained());

    TestSupport.run(CLUSTER, g);

    assertThat(seen.get()).isEqualTo(10_000);
    assertThat(sum.sum()).isEqualTo(2 * (9_999L * 10_000 / 2));
    assertThat(serializer.serialized.get()).isZero();
    assertThat(serializer.deserialized.get()).isZero();
  }

  @Test
  void unchainedEdgesSerializeEveryRecordOnce() throws Exception {
    CountingSerializer serializer = new CountingSerializer();
    LongAdder sum = new LongAdder();
    AtomicLong seen = new AtomicLong();
    JobGraph g = pipeline("unchained", serializer, sum, seen, false);
    assertThat(g.edges()).noneMatch(e -> e.isChained());

    TestSupport.run(CLUSTER, g);

    assertThat(seen.get()).isEqualTo(10_000);
    assertThat(sum.sum()).isEqualTo(2 * (9_999L * 10_000 / 2));
    // The serializer is duplicated per writer and reader, but every instance shares the counters.
    assertThat(serializer.serialized.get()).isEqualTo(20_000);
    assertThat(serializer.deserialized.get()).isEqualTo(20_000);
  }
}
