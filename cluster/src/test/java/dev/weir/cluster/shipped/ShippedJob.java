package dev.weir.cluster.shipped;

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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A job whose code exists on the workers only if it is shipped with it: the tests put this package
 * in a jar of its own and start the workers without it on their classpath.
 */
public final class ShippedJob {

  public static final int KEYS = 10;

  private ShippedJob() {}

  /** Sums the squares of 0..n-1 per key (i % KEYS), written as "key=sum" lines into a folder. */
  public static JobGraph squaresPerKey(String name, long n, String folder) {
    JobGraph g = new JobGraph(name);
    JobVertex numbers = g.addSource("numbers", new SequenceSource(n), 2);
    JobVertex squares = g.addOperator("square", () -> Operators.map((Long v) -> v * v), 2);
    JobVertex sums =
        g.addOperator("sum", () -> new SumPerKey(n), 2).keySerializer(Serializers.LONG);
    JobVertex files = g.addOperator("files", () -> new LinesToFile(folder), 1);
    g.connect(numbers, squares);
    g.connect(squares, sums)
        .hash((Long v) -> (long) Math.sqrt(v) % KEYS)
        .serializer(Serializers.LONG);
    g.connect(sums, files).rebalance().serializer(Serializers.STRING);
    return g;
  }

  /** Sums per key; emits "key=sum" at the end of event time. */
  static final class SumPerKey extends AbstractOperator<Long, String> {
    private static final StateSpec<Void, ValueState<Void, Long>> SUM =
        StateSpec.value("sum", Serializers.VOID, Serializers.LONG);
    private final long n;
    private ValueState<Void, Long> sum;

    SumPerKey(long n) {
      this.n = n;
    }

    @Override
    public void open(OperatorContext<String> context) throws Exception {
      super.open(context);
      sum = context.state(SUM);
    }

    @Override
    public void processElement(Long square) {
      Long current = sum.value(null);
      if (current == null) {
        context.timerService().registerEventTimeTimer(null, Long.MAX_VALUE - 1);
      }
      sum.update(null, (current == null ? 0 : current) + square);
    }

    @Override
    public void onTimer(Timer timer) {
      output.emit(context.currentKey() + "=" + sum.value(null));
    }
  }

  /** Collects lines and writes them to one file when its input ended. */
  static final class LinesToFile extends AbstractOperator<String, Void> {
    private final String folder;
    private final List<String> lines = new ArrayList<>();

    LinesToFile(String folder) {
      this.folder = folder;
    }

    @Override
    public void processElement(String line) {
      lines.add(line);
    }

    @Override
    public void finish() {
      try {
        Files.createDirectories(Path.of(folder));
        Files.write(Path.of(folder, "part-" + context.subtaskIndex() + ".txt"), lines);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
