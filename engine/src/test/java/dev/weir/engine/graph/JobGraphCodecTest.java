package dev.weir.engine.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.engine.cluster.JobStatus;
import dev.weir.engine.cluster.LocalCluster;
import dev.weir.engine.operator.AbstractOperator;
import dev.weir.engine.operator.Operators;
import dev.weir.engine.operator.Timer;
import dev.weir.engine.source.SequenceSource;
import dev.weir.engine.time.Watermarks;
import dev.weir.state.StateSpec;
import dev.weir.state.ValueState;
import dev.weir.state.serialization.Serializers;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A job graph survives the trip to another process: same shape, same results. */
class JobGraphCodecTest {

  /** Results per run, by key; the sink reaches it by the run's name (it is shipped as a copy). */
  private static final Map<String, Map<Long, Long>> RESULTS = new ConcurrentHashMap<>();

  static final class SumPerKey extends AbstractOperator<Long, long[]> {
    private static final StateSpec<Void, ValueState<Void, Long>> SUM =
        StateSpec.value("sum", Serializers.VOID, Serializers.LONG);

    @Override
    public void processElement(Long value) {
      ValueState<Void, Long> sum = context.state(SUM);
      Long current = sum.value(null);
      if (current == null) {
        context.timerService().registerEventTimeTimer(null, Watermarks.MAX - 1);
      }
      sum.update(null, (current == null ? 0 : current) + value);
    }

    @Override
    public void onTimer(Timer timer) {
      output.emit(new long[] {(Long) timer.key(), context.state(SUM).value(null)});
    }
  }

  private static JobGraph sumsByKey(String run) {
    JobGraph g = new JobGraph("sums-" + run);
    JobVertex numbers = g.addSource("numbers", new SequenceSource(10_000), 2);
    JobVertex odd = g.addOperator("odd", () -> Operators.filter((Long i) -> i % 2 == 1), 2);
    JobVertex sums = g.addOperator("sum per key", SumPerKey::new, 3).maxParallelism(64);
    sums.keySerializer(Serializers.LONG);
    JobVertex sink =
        g.addOperator(
            "collect",
            () ->
                Operators.sink(
                    (long[] kv) ->
                        RESULTS.computeIfAbsent(run, r -> new TreeMap<>()).put(kv[0], kv[1])),
            1);
    sink.disableChaining();
    g.connect(numbers, odd);
    g.connect(odd, sums).hash((Long i) -> i % 7).serializer(Serializers.LONG);
    g.connect(sums, sink).rebalance().kryo(long[].class).encodeWhenChained(3);
    return g;
  }

  private static Map<Long, Long> run(JobGraph graph, String run) throws Exception {
    try (LocalCluster cluster = new LocalCluster()) {
      assertThat(cluster.submit(graph).waitForCompletion(Duration.ofSeconds(60)).status())
          .isEqualTo(JobStatus.FINISHED);
    }
    return RESULTS.get(run);
  }

  @Test
  void aDecodedGraphHasTheSameShapeAndComputesTheSame() throws Exception {
    Map<Long, Long> original = run(sumsByKey("original"), "original");
    byte[] bytes = JobGraphCodec.encode(sumsByKey("shipped"));
    JobGraph decoded = JobGraphCodec.decode(bytes, getClass().getClassLoader());

    JobGraph expected = sumsByKey("shipped");
    assertThat(decoded.name()).isEqualTo(expected.name());
    assertThat(decoded.vertices()).hasSameSizeAs(expected.vertices());
    for (int i = 0; i < expected.vertices().size(); i++) {
      JobVertex e = expected.vertices().get(i);
      JobVertex d = decoded.vertices().get(i);
      assertThat(d.name()).isEqualTo(e.name());
      assertThat(d.isSource()).isEqualTo(e.isSource());
      assertThat(d.parallelism()).isEqualTo(e.parallelism());
      assertThat(d.maxParallelism()).isEqualTo(e.maxParallelism());
      assertThat(d.chainingAllowed()).isEqualTo(e.chainingAllowed());
      assertThat(d.keySerializer() == null).isEqualTo(e.keySerializer() == null);
    }
    for (int i = 0; i < expected.edges().size(); i++) {
      JobEdge e = expected.edges().get(i);
      JobEdge d = decoded.edges().get(i);
      assertThat(d.source().name()).isEqualTo(e.source().name());
      assertThat(d.target().name()).isEqualTo(e.target().name());
      assertThat(d.partitioning()).isEqualTo(e.partitioning());
      assertThat(d.encodeWhenChainedEvery()).isEqualTo(e.encodeWhenChainedEvery());
      assertThat(d.serializer() == null).isEqualTo(e.serializer() == null);
    }

    Map<Long, Long> shipped = run(decoded, "shipped");
    assertThat(shipped).isEqualTo(original).hasSize(7);
    long oddSum = 0;
    for (long i = 1; i < 10_000; i += 2) {
      oddSum += i;
    }
    assertThat(shipped.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(oddSum);
  }

  /** Counts what passes; its report is the count in decimal. */
  static final class CountingMetrics implements dev.weir.engine.metrics.UserMetrics {
    private static final long serialVersionUID = 1L;
    final AtomicLong counted = new AtomicLong();

    @Override
    public byte[] report() {
      return Long.toString(counted.get()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  @Test
  void userMetricsTheOperatorsShareAreOneObjectInTheDecodedGraph() throws Exception {
    CountingMetrics metrics = new CountingMetrics();
    JobGraph g = new JobGraph("counted").userMetrics(metrics);
    JobVertex numbers = g.addSource("numbers", new SequenceSource(1_000), 2);
    JobVertex first =
        g.addOperator(
            "first",
            () ->
                Operators.map(
                    (Long i) -> {
                      metrics.counted.incrementAndGet();
                      return i;
                    }),
            2);
    JobVertex second =
        g.addOperator("second", () -> Operators.sink((Long i) -> metrics.counted.addAndGet(10)), 2);
    g.connect(numbers, first).rebalance().serializer(Serializers.LONG);
    g.connect(first, second).rebalance().serializer(Serializers.LONG);

    JobGraph decoded = JobGraphCodec.decode(JobGraphCodec.encode(g), getClass().getClassLoader());
    assertThat(decoded.userMetrics()).isInstanceOf(CountingMetrics.class).isNotSameAs(metrics);
    try (LocalCluster cluster = new LocalCluster()) {
      assertThat(cluster.submit(decoded).waitForCompletion(Duration.ofMinutes(1)).status())
          .isEqualTo(JobStatus.FINISHED);
    }
    // Both vertices counted into the graph's one decoded object, none into the original.
    assertThat(new String(decoded.userMetrics().report(), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo(Long.toString(1_000 * 11L));
    assertThat(metrics.counted.get()).isZero();
  }

  @Test
  void userCodeThatCannotBeShippedIsNamedWithItsVertex() {
    JobGraph g = new JobGraph("unshippable");
    JobVertex numbers = g.addSource("numbers", new SequenceSource(10), 1);
    AtomicLong counter = new AtomicLong(); // serializable, but what holds it here is not:
    Object notSerializable = new Object();
    JobVertex count =
        g.addOperator(
            "count",
            () -> Operators.sink((Long i) -> counter.addAndGet(notSerializable.hashCode())),
            1);
    g.connect(numbers, count);
    assertThatThrownBy(() -> JobGraphCodec.encode(g))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("vertex 'count'")
        .hasMessageContaining("java.lang.Object")
        .hasMessageContaining("not serializable");
  }

  @Test
  void aClassMissingFromTheJobsCodeIsNamedWithItsVertex() {
    byte[] bytes = JobGraphCodec.encode(sumsByKey("missing"));
    // The job's lambdas live in this test class: a loader without it cannot rebuild them.
    ClassLoader withoutSum =
        new ClassLoader(getClass().getClassLoader()) {
          @Override
          protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.equals(JobGraphCodecTest.class.getName())) {
              throw new ClassNotFoundException(name);
            }
            return super.loadClass(name, resolve);
          }
        };
    assertThatThrownBy(() -> JobGraphCodec.decode(bytes, withoutSum))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("vertex 'odd'")
        .hasMessageContaining(JobGraphCodecTest.class.getName())
        .hasMessageContaining("not in the job's jars");
  }

  @Test
  void bytesOfAnotherVersionOrCutShortAreRefused() {
    byte[] bytes = JobGraphCodec.encode(sumsByKey("corrupt"));
    byte[] otherVersion = bytes.clone();
    otherVersion[7] = 9;
    assertThatThrownBy(() -> JobGraphCodec.decode(otherVersion, getClass().getClassLoader()))
        .hasMessageContaining("format version 9")
        .hasMessageContaining("reads version " + JobGraphCodec.VERSION);
    byte[] cut = Arrays.copyOf(bytes, bytes.length / 2);
    assertThatThrownBy(() -> JobGraphCodec.decode(cut, getClass().getClassLoader()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("corrupt job graph");
    assertThatThrownBy(
            () ->
                JobGraphCodec.decode(
                    new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, getClass().getClassLoader()))
        .hasMessageContaining("not a Weir job graph");
  }
}
