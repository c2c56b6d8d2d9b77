package dev.weir.engine.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.engine.TestSupport;
import dev.weir.engine.graph.JobGraph;
import dev.weir.engine.graph.JobVertex;
import dev.weir.engine.operator.AbstractOperator;
import dev.weir.engine.operator.Operators;
import dev.weir.engine.source.Source;
import dev.weir.engine.source.SourceContext;
import dev.weir.engine.source.SourceOutput;
import dev.weir.engine.source.SourceReader;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * {@link SourceContext#isJobQuiescent()} is what replays a scripted stream step by step (Beam's
 * TestStream): when it says yes, every effect of the steps so far must have happened everywhere in
 * the job, however the threads were scheduled.
 */
class QuiescenceTest {

  private static final LocalCluster CLUSTER = new LocalCluster();
  private static final int STEPS = 300;
  private static final int RECORDS_PER_STEP = 20;

  @AfterAll
  static void shutdown() {
    CLUSTER.close();
  }

  /** Shared between the test and the job (one JVM): what arrived where. */
  static final AtomicLong SUNK = new AtomicLong();

  static final AtomicLong TIMERS_FIRED = new AtomicLong();
  static final List<String> VIOLATIONS = new CopyOnWriteArrayList<>();

  /**
   * Steps alternate between emitting records and advancing the manual clock by 10 ms; before each
   * step the source waits for quiescence and then checks that the sink saw every record so far and
   * that the processing-time timer of each record that arrived before the last advance (due 5 ms
   * after it was set) fired.
   */
  static final class ScriptedSource implements Source<Long> {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean isBounded() {
      return false;
    }

    @Override
    public SourceReader<Long> createReader(int subtaskIndex, int parallelism) {
      return new SourceReader<>() {
        private SourceContext context;
        private int step;
        private long emitted;
        private long emittedBeforeLastAdvance;

        @Override
        public void open(SourceContext context) {
          this.context = context;
        }

        @Override
        public Status emitNext(SourceOutput<Long> output) {
          if (step > 0 && !context.isJobQuiescent()) {
            return Status.NOTHING_AVAILABLE;
          }
          if (step > 0) {
            if (SUNK.get() != emitted) {
              VIOLATIONS.add(
                  "step " + step + ": sink saw " + SUNK.get() + " of " + emitted + " records");
            }
            if (TIMERS_FIRED.get() != emittedBeforeLastAdvance) {
              VIOLATIONS.add(
                  "step "
                      + step
                      + ": "
                      + TIMERS_FIRED.get()
                      + " of "
                      + emittedBeforeLastAdvance
                      + " timers fired");
            }
          }
          if (step == STEPS) {
            return Status.END_OF_INPUT;
          }
          if (step % 2 == 0) {
            for (int i = 0; i < RECORDS_PER_STEP; i++) {
              output.emit(emitted++);
            }
          } else {
            emittedBeforeLastAdvance = emitted;
            context.setProcessingTime(context.currentProcessingTime() + 10);
          }
          step++;
          return Status.NOTHING_AVAILABLE;
        }
      };
    }
  }

  /** Takes its time over some records, so the steps race it unless quiescence is exact. */
  static final class SlowForward extends AbstractOperator<Long, Long> {
    @Override
    public void processElement(Long record) throws Exception {
      if (ThreadLocalRandom.current().nextInt(8) == 0) {
        Thread.sleep(1);
      }
      output.emit(record);
    }
  }

  /** A processing-time timer 5 ms after each record arrives (before the clock's next advance). */
  static final class TimerPerRecord extends AbstractOperator<Long, Long> {
    @Override
    public void processElement(Long record) {
      context.scheduleAt(
          context.currentProcessingTime() + 5,
          () -> {
            if (ThreadLocalRandom.current().nextInt(8) == 0) {
              Thread.sleep(1);
            }
            TIMERS_FIRED.incrementAndGet();
          });
      output.emit(record);
    }
  }

  @Test
  void everyEffectOfAStepIsCompleteWhenTheJobLooksQuiescent() throws Exception {
    SUNK.set(0);
    TIMERS_FIRED.set(0);
    VIOLATIONS.clear();
    JobGraph g = new JobGraph("quiescence").useManualProcessingTime(0);
    JobVertex src = g.addSource("script", new ScriptedSource(), 1);
    JobVertex slow = g.addOperator("slow", SlowForward::new, 2);
    JobVertex timers = g.addOperator("timers", TimerPerRecord::new, 3);
    JobVertex sink =
        g.addOperator("sink", () -> Operators.sink((Long v) -> SUNK.incrementAndGet()), 2);
    g.connect(src, slow).rebalance().kryo(Long.class);
    g.connect(slow, timers).rebalance().kryo(Long.class);
    g.connect(timers, sink).rebalance().kryo(Long.class);

    TestSupport.run(CLUSTER, g);

    assertThat(VIOLATIONS).isEmpty();
    assertThat(SUNK.get()).isEqualTo((long) STEPS / 2 * RECORDS_PER_STEP);
    assertThat(TIMERS_FIRED.get()).isEqualTo((long) STEPS / 2 * RECORDS_PER_STEP);
  }
}
