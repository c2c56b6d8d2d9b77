package dev.weir.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.engine.cluster.JobClient;
import dev.weir.engine.cluster.JobResult;
import dev.weir.engine.cluster.LocalCluster;
import dev.weir.engine.graph.JobGraph;
import dev.weir.engine.source.Source;
import dev.weir.engine.source.SourceOutput;
import dev.weir.engine.source.SourceReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;

/** Helpers shared by engine tests. */
public final class TestSupport {

  private TestSupport() {}

  public static JobResult run(LocalCluster cluster, JobGraph graph) throws Exception {
    JobClient client = cluster.submit(graph);
    return client.waitForCompletion(Duration.ofSeconds(60));
  }

  /** Threads of the named job that are still alive. */
  public static List<Thread> liveThreadsOf(String jobName) {
    List<Thread> alive = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive() && t.getName().startsWith("weir[" + jobName + "]")) {
        alive.add(t);
      }
    }
    return alive;
  }

  public static void assertNoThreadsLeft(String jobName) {
    assertThat(liveThreadsOf(jobName)).as("threads of job '%s' still alive", jobName).isEmpty();
  }

  /**
   * An unbounded source of increasing longs per subtask ({@code subtask, subtask + p, ...}) that
   * never ends; each subtask emits watermarks equal to its last value when {@code watermarks}.
   */
  public static final class Endless implements Source<Long> {
    private static final long serialVersionUID = 1L;
    private final boolean watermarks;

    public Endless(boolean watermarks) {
      this.watermarks = watermarks;
    }

    @Override
    public boolean isBounded() {
      return false;
    }

    @Override
    public SourceReader<Long> createReader(int subtaskIndex, int parallelism) {
      return new SourceReader<>() {
        long next = subtaskIndex;

        @Override
        public Status emitNext(SourceOutput<Long> output) {
          output.emit(next);
          if (watermarks) {
            output.emitWatermark(next);
          }
          next += parallelism;
          return Status.MORE_AVAILABLE;
        }
      };
    }
  }

  /**
   * A bounded source that emits, per subtask, a scripted list of steps: {@code >= 0} is a record,
   * {@code -1 - w} is a watermark {@code w}; a predicate may pause a subtask.
   */
  public static final class Scripted implements Source<Long> {
    private static final long serialVersionUID = 1L;
    private final long[][] scripts;
    private final LongPredicate pause;

    public Scripted(long[][] scripts) {
      this(scripts, v -> false);
    }

    public Scripted(long[][] scripts, LongPredicate pause) {
      this.scripts = scripts;
      this.pause = pause;
    }

    public static long watermark(long w) {
      return -1 - w;
    }

    @Override
    public boolean isBounded() {
      return true;
    }

    @Override
    public SourceReader<Long> createReader(int subtaskIndex, int parallelism) {
      long[] script = scripts[subtaskIndex];
      return new SourceReader<>() {
        int i;

        @Override
        public Status emitNext(SourceOutput<Long> output) {
          if (i == script.length) {
            return Status.END_OF_INPUT;
          }
          if (pause.test(script[i])) {
            return Status.NOTHING_AVAILABLE;
          }
          long step = script[i++];
          if (step >= 0) {
            output.emit(step);
          } else {
            output.emitWatermark(-1 - step);
          }
          return Status.MORE_AVAILABLE;
        }
      };
    }
  }

  /**
   * Numbers [0, count) split over the subtasks, at most {@code perMilli} per millisecond per
   * subtask; bounded, restorable at any parallelism (a position is the remaining ranges as pairs).
   */
  public static final class PacedSequence implements Source<Long> {
    private static final long serialVersionUID = 1L;
    private final long count;
    private final long perMilli;

    public PacedSequence(long count, long perMilli) {
      this.count = count;
      this.perMilli = perMilli;
    }

    @Override
    public boolean isBounded() {
      return true;
    }

    @Override
    public SourceReader<Long> createReader(int subtask, int parallelism) {
      return new Reader(
          List.of(new long[] {count * subtask / parallelism, count * (subtask + 1) / parallelism}));
    }

    @Override
    public SourceReader<Long> restoreReader(int subtask, int parallelism, List<Object> positions) {
      List<long[]> ranges = new ArrayList<>();
      for (Object p : positions) {
        long[] pairs = (long[]) p;
        for (int i = 0; i + 1 < pairs.length; i += 2) {
          ranges.add(new long[] {pairs[i], pairs[i + 1]});
        }
      }
      return new Reader(ranges);
    }

    private final class Reader implements SourceReader<Long> {
      private final List<long[]> ranges;
      private long emitted;
      private final long startNanos = System.nanoTime();

      Reader(List<long[]> ranges) {
        this.ranges = new ArrayList<>(ranges);
      }

      @Override
      public Status emitNext(SourceOutput<Long> output) {
        while (!ranges.isEmpty() && ranges.get(0)[0] >= ranges.get(0)[1]) {
          ranges.remove(0);
        }
        if (ranges.isEmpty()) {
          return Status.END_OF_INPUT;
        }
        long allowed = (System.nanoTime() - startNanos) / 1_000_000 * perMilli + perMilli;
        if (emitted >= allowed) {
          return Status.NOTHING_AVAILABLE;
        }
        output.emit(ranges.get(0)[0]++);
        emitted++;
        return Status.MORE_AVAILABLE;
      }

      @Override
      public Object position() {
        long[] pairs = new long[ranges.size() * 2];
        for (int i = 0; i < ranges.size(); i++) {
          pairs[2 * i] = ranges.get(i)[0];
          pairs[2 * i + 1] = ranges.get(i)[1];
        }
        return pairs;
      }
    }
  }
}
