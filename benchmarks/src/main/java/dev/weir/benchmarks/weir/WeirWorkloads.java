package dev.weir.benchmarks.weir;

import dev.weir.benchmarks.RunResult;
import dev.weir.benchmarks.Workloads;
import dev.weir.engine.cluster.JobClient;
import dev.weir.engine.cluster.JobResult;
import dev.weir.engine.cluster.JobStatus;
import dev.weir.engine.cluster.LocalCluster;
import dev.weir.engine.graph.JobGraph;
import dev.weir.engine.graph.JobVertex;
import dev.weir.engine.operator.AbstractOperator;
import dev.weir.engine.operator.OperatorContext;
import dev.weir.engine.operator.Operators;
import dev.weir.engine.operator.Timer;
import dev.weir.engine.source.SequenceSource;
import dev.weir.state.StateSpec;
import dev.weir.state.ValueState;
import dev.weir.state.serialization.Serializers;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** W1 and W2 as engine-native Weir jobs, shaped like their Flink DataStream twins. */
public final class WeirWorkloads {

  private WeirWorkloads() {}

  /** Counts its input and emits the count once, at the end of the input. */
  static final class CountAtEnd extends AbstractOperator<Object, Long> {
    private long count;

    @Override
    public void processElement(Object record) {
      count++;
    }

    @Override
    public void finish() {
      output.emit(count);
    }
  }

  /** Sums values per key in keyed state; a timer at the end of event time emits each key's sum. */
  static final class KeyedSum extends AbstractOperator<KeyedLong, KeyedLong> {
    static final StateSpec<Void, ValueState<Void, Long>> SUM =
        StateSpec.value("sum", Serializers.VOID, Serializers.LONG);
    private ValueState<Void, Long> sum;

    @Override
    public void open(OperatorContext<KeyedLong> context) throws Exception {
      super.open(context);
      sum = context.state(SUM);
    }

    @Override
    public void processElement(KeyedLong record) {
      Long current = sum.value(null);
      if (current == null) {
        sum.update(null, record.value());
        context.timerService().registerEventTimeTimer(null, Long.MAX_VALUE - 1);
      } else {
        sum.update(null, current + record.value());
      }
    }

    @Override
    public void onTimer(Timer timer) {
      output.emit(new KeyedLong((Long) context.currentKey(), sum.value(null)));
    }
  }

  public static RunResult grep(LocalCluster cluster, long lines, int parallelism) throws Exception {
    AtomicLong total = new AtomicLong();
    JobGraph g = new JobGraph("W1-grep");
    JobVertex source = g.addSource("lines", new SequenceSource(lines), parallelism);
    JobVertex text = g.addOperator("line", () -> Operators.map(Workloads::line), parallelism);
    JobVertex grep =
        g.addOperator(
            "grep",
            () -> Operators.filter((String line) -> line.contains(Workloads.NEEDLE)),
            parallelism);
    JobVertex count = g.addOperator("count", CountAtEnd::new, parallelism);
    JobVertex sum = g.addOperator("sum", () -> Operators.sink((Long c) -> total.addAndGet(c)), 1);
    g.connect(source, text);
    g.connect(text, grep);
    g.connect(grep, count);
    g.connect(count, sum).rebalance().serializer(Serializers.LONG);
    long start = System.nanoTime();
    run(cluster, g);
    return new RunResult("weir", "W1 grep", lines, total.get(), System.nanoTime() - start);
  }

  public static RunResult keyedSum(LocalCluster cluster, long records, int parallelism)
      throws Exception {
    return keyedSum(cluster, records, parallelism, client -> {});
  }

  /** W2, handing the job's client to {@code submitted} (to read its checkpoint figures). */
  public static RunResult keyedSum(
      LocalCluster cluster, long records, int parallelism, Consumer<JobClient> submitted)
      throws Exception {
    AtomicLong checksum = new AtomicLong();
    AtomicLong results = new AtomicLong();
    JobGraph g = new JobGraph("W2-keyed-sum");
    JobVertex source = g.addSource("numbers", new SequenceSource(records), parallelism);
    JobVertex pairs =
        g.addOperator(
            "pair",
            () -> Operators.map((Long i) -> new KeyedLong(Workloads.key(i), i)),
            parallelism);
    JobVertex sums =
        g.addOperator("sum-per-key", KeyedSum::new, parallelism).keySerializer(Serializers.LONG);
    JobVertex sink =
        g.addOperator(
            "collect",
            () ->
                Operators.sink(
                    (KeyedLong r) -> {
                      checksum.set(Workloads.foldKeyedSum(checksum.get(), r.key(), r.value()));
                      results.incrementAndGet();
                    }),
            1);
    g.connect(source, pairs);
    g.connect(pairs, sums).hash(KeyedLong::key).serializer(KeyedLong.SERIALIZER);
    g.connect(sums, sink).rebalance().serializer(KeyedLong.SERIALIZER);
    long start = System.nanoTime();
    JobClient client = cluster.submit(g);
    submitted.accept(client);
    JobResult result = client.waitForCompletion(Duration.ofMinutes(30));
    if (result.status() != JobStatus.FINISHED) {
      throw new IllegalStateException("W2 ended " + result);
    }
    long elapsed = System.nanoTime() - start;
    long expectedKeys = Math.min(records, Workloads.DISTINCT_KEYS);
    if (records >= 1_000_000 && results.get() != expectedKeys) {
      throw new IllegalStateException(
          "W2 on Weir emitted " + results.get() + " sums, expected one per key: " + expectedKeys);
    }
    return new RunResult("weir", "W2 keyed sum", records, checksum.get(), elapsed);
  }

  private static void run(LocalCluster cluster, JobGraph graph) throws Exception {
    JobResult result = cluster.submit(graph).waitForCompletion(Duration.ofMinutes(30));
    if (!result.status().isTerminal()) {
      throw new IllegalStateException("job did not end: " + result);
    }
  }
}
