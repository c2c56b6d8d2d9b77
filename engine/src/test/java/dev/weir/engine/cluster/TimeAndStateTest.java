package dev.weir.engine.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weir.engine.TestSupport;
import dev.weir.engine.TestSupport.Scripted;
import dev.weir.engine.graph.JobGraph;
import dev.weir.engine.graph.JobVertex;
import dev.weir.engine.operator.AbstractOperator;
import dev.weir.engine.operator.Operators;
import dev.weir.engine.operator.TimeDomain;
import dev.weir.engine.operator.Timer;
import dev.weir.engine.source.SequenceSource;
import dev.weir.engine.source.Source;
import dev.weir.engine.source.SourceOutput;
import dev.weir.engine.source.SourceReader;
import dev.weir.engine.time.Watermarks;
import dev.weir.state.StateSpec;
import dev.weir.state.ValueState;
import dev.weir.state.serialization.Serializers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class TimeAndStateTest {

  private static final LocalCluster CLUSTER = new LocalCluster();

  @AfterAll
  static void shutdown() {
    CLUSTER.close();
  }

  /**
   * Records the watermarks and the events (records "r", finish "f") it sees, in order; keyed, each
   * record with the key current while it is processed ("r5@5").
   */
  static final class WatermarkRecorder extends AbstractOperator<Long, Void> {
    private final List<String> log;
    private final boolean keyed;

    WatermarkRecorder(List<String> log) {
      this(log, false);
    }

    WatermarkRecorder(List<String> log, boolean keyed) {
      this.log = log;
      this.keyed = keyed;
    }

    @Override
    public void processElement(Long record) {
      log.add(keyed ? "r" + record + "@" + context.currentKey() : "r" + record);
    }

    @Override
    public void processWatermark(long watermark) throws Exception {
      log.add(watermark == Watermarks.MAX ? "wMAX" : "w" + watermark);
      super.processWatermark(watermark);
    }

    @Override
    public void finish() {
      log.add("f");
    }
  }

  @Test
  void watermarksAcrossChannelsAreTheMinimumMonotonicAndEndWithMaxBeforeFinish() throws Exception {
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    // Subtask 0 races ahead in event time; subtask 1 lags and even goes backwards.
    long[][] scripts = {
      {1, Scripted.watermark(100), 2, Scripted.watermark(200), 3, Scripted.watermark(300)},
      {4, Scripted.watermark(50), 5, Scripted.watermark(40), 6, Scripted.watermark(150)},
    };
    JobGraph g = new JobGraph("watermarks");
    JobVertex src = g.addSource("src", new Scripted(scripts), 2);
    JobVertex rec = g.addOperator("rec", () -> new WatermarkRecorder(log), 1);
    g.connect(src, rec).rebalance().kryo(Long.class);

    TestSupport.run(CLUSTER, g);

    List<Long> watermarks = new ArrayList<>();
    for (String e : log) {
      if (e.startsWith("w") && !e.equals("wMAX")) {
        watermarks.add(Long.parseLong(e.substring(1)));
      }
    }
    assertThat(watermarks).isSorted().doesNotHaveDuplicates();
    // Each is some channel's watermark; never 40, the value by which subtask 1 went backwards.
    assertThat(watermarks).isSubsetOf(50L, 100L, 150L, 200L, 300L).doesNotContain(40L);
    assertThat(log).containsSubsequence("wMAX", "f");
    assertThat(log.get(log.size() - 1)).isEqualTo("f");
    assertThat(log.get(log.size() - 2)).isEqualTo("wMAX");
    assertThat(log.stream().filter(e -> e.startsWith("r"))).hasSize(6);
  }

  /**
   * A keyed input is read in batches (their keys hinted to the state backend first), cut at
   * watermarks and every 32 records: runs of records of every length around a batch's size between
   * watermarks must still arrive in order, each with its own key current.
   */
  @Test
  void recordsOfAKeyedInputKeepTheirKeysAndTheirPlaceAmongWatermarks() throws Exception {
    int[] runs = {1, 2, 31, 32, 33, 64, 100, 5};
    List<Long> script = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    long next = 0;
    for (int r = 0; r < runs.length; r++) {
      for (int i = 0; i < runs[r]; i++) {
        script.add(next);
        expected.add("r" + next + "@" + (next % 7));
        next++;
      }
      script.add(Scripted.watermark(10L * (r + 1)));
      expected.add("w" + 10L * (r + 1));
    }
    expected.add("wMAX");
    expected.add("f");
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    JobGraph g = new JobGraph("keyed-batches");
    JobVertex src =
        g.addSource(
            "src", new Scripted(new long[][] {script.stream().mapToLong(v -> v).toArray()}), 1);
    JobVertex rec = g.addOperator("rec", () -> new WatermarkRecorder(log, true), 1);
    g.connect(src, rec).hash((Long v) -> v % 7).kryo(Long.class);

    TestSupport.run(CLUSTER, g);

    assertThat(log).containsExactlyElementsOf(expected);
  }

  @Test
  void anIdleSourceSubtaskDoesNotHoldTheWatermarkBack() throws Exception {
    ConcurrentLinkedQueue<Long> watermarks = new ConcurrentLinkedQueue<>();
    // Subtask 1 marks itself idle and then emits nothing for a while; subtask 0 advances.
    JobGraph g = new JobGraph("idleness");
    JobVertex src = g.addSource("src", new IdleThenEndSource(), 2);
    JobVertex rec =
        g.addOperator(
            "rec",
            () ->
                new AbstractOperator<Long, Void>() {
                  @Override
                  public void processElement(Long record) {}

                  @Override
                  public void processWatermark(long watermark) throws Exception {
                    watermarks.add(watermark);
                    super.processWatermark(watermark);
                  }
                },
            1);
    g.connect(src, rec).rebalance().kryo(Long.class);

    TestSupport.run(CLUSTER, g);

    assertThat(watermarks).contains(1_000L);
  }

  /**
   * Subtask 0 emits watermark 1000 and ends once subtask 1 is idle; subtask 1 goes idle and waits
   * until it sees that.
   */
  static final class IdleThenEndSource implements Source<Long> {
    private static final long serialVersionUID = 1L;
    static final Map<Integer, Boolean> IDLE = new ConcurrentHashMap<>();

    @Override
    public boolean isBounded() {
      return true;
    }

    @Override
    public SourceReader<Long> createReader(int subtask, int parallelism) {
      IDLE.remove(subtask);
      return new SourceReader<>() {
        long started = System.nanoTime();
        boolean done;

        @Override
        public Status emitNext(SourceOutput<Long> output) {
          if (subtask == 1) {
            if (!done) {
              output.emitWatermark(10);
              output.markIdle();
              IDLE.put(1, true);
              done = true;
            }
            // Stay idle (not ended) for a while, so only idleness lets the watermark pass.
            return System.nanoTime() - started > 1_000_000_000L
                ? Status.END_OF_INPUT
                : Status.NOTHING_AVAILABLE;
          }
          if (!IDLE.containsKey(1)) {
            return Status.NOTHING_AVAILABLE;
          }
          if (!done) {
            output.emit(1L);
            output.emitWatermark(1_000);
            done = true;
          }
          return System.nanoTime() - started > 1_000_000_000L
              ? Status.END_OF_INPUT
              : Status.NOTHING_AVAILABLE;
        }
      };
    }
  }

  /**
   * Per key: counts records in value state; an event-time timer at the end emits (key, count); a
   * processing-time timer fires too.
   */
  static final class KeyedCounter extends AbstractOperator<Long, long[]> {
    static final StateSpec<Void, ValueState<Void, Long>> COUNT =
        StateSpec.value("count", Serializers.VOID, Serializers.LONG);
    private final Map<Long, Integer> processingTimeFirings;

    KeyedCounter(Map<Long, Integer> processingTimeFirings) {
      this.processingTimeFirings = processingTimeFirings;
    }

    @Override
    public void processElement(Long record) {
      ValueState<Void, Long> count = context.state(COUNT);
      Long c = count.value(null);
      count.update(null, c == null ? 1 : c + 1);
      if (c == null) {
        context.timerService().registerEventTimeTimer(null, Watermarks.MAX - 1);
        context
            .timerService()
            .registerProcessingTimeTimer(null, context.currentProcessingTime() + 1);
      }
    }

    @Override
    public void onTimer(Timer timer) {
      long key = (Long) context.currentKey();
      if (timer.domain() == TimeDomain.PROCESSING_TIME) {
        processingTimeFirings.merge(key, 1, Integer::sum);
      } else {
        output.emit(new long[] {key, context.state(COUNT).value(null), context.subtaskIndex()});
      }
    }
  }

  @Test
  void keyedStateIsIsolatedPerKeyAcrossParallelSubtasksAndTimersFireOncePerKey() throws Exception {
    ConcurrentLinkedQueue<long[]> results = new ConcurrentLinkedQueue<>();
    Map<Long, Integer> processingTimeFirings = new ConcurrentHashMap<>();
    long n = 100_000;
    int keys = 1_000;
    JobGraph g = new JobGraph("keyed-count");
    JobVertex src = g.addSource("src", new SequenceSource(n), 2);
    JobVertex counter = g.addOperator("counter", () -> new KeyedCounter(processingTimeFirings), 3);
    JobVertex sink = g.addOperator("sink", () -> Operators.sink(results::add), 1);
    g.connect(src, counter).hash((Long v) -> v % keys).kryo(Long.class);
    g.connect(counter, sink).rebalance().kryo(long[].class);
    // Slow enough that processing-time timers (1 ms after each key's first record) come due while
    // running.
    JobClient client = CLUSTER.submit(g);
    client.waitForCompletion(Duration.ofSeconds(60));

    Map<Long, Long> counts = new HashMap<>();
    Map<Long, Long> subtasks = new HashMap<>();
    for (long[] r : results) {
      assertThat(counts.put(r[0], r[1])).as("key %d emitted once", r[0]).isNull();
      subtasks.put(r[0], r[2]);
    }
    assertThat(counts).hasSize(keys);
    assertThat(counts.values()).allMatch(c -> c == n / keys);
    assertThat(subtasks.values()).containsOnly(0L, 1L, 2L).contains(0L, 1L, 2L);
    assertThat(processingTimeFirings.values())
        .allMatch(c -> c == 1, "no processing-time timer fired twice");
  }

  @Test
  void processingTimeTimersFireOnTheWallClockInTheTaskThread() throws Exception {
    Map<Long, Integer> firings = new ConcurrentHashMap<>();
    ConcurrentLinkedQueue<long[]> lateness = new ConcurrentLinkedQueue<>();
    JobGraph g = new JobGraph("processing-time");
    JobVertex src = g.addSource("src", new TestSupport.Endless(false), 1);
    JobVertex op =
        g.addOperator(
            "timers",
            () ->
                new AbstractOperator<Long, Void>() {
                  final StateSpec<Void, ValueState<Void, Long>> seen =
                      StateSpec.value("seen", Serializers.VOID, Serializers.LONG);

                  @Override
                  public void processElement(Long record) {
                    if (context.state(seen).value(null) == null) {
                      context.state(seen).update(null, 1L);
                      context
                          .timerService()
                          .registerProcessingTimeTimer("t", context.currentProcessingTime() + 50);
                    }
                  }

                  @Override
                  public void onTimer(Timer timer) {
                    firings.merge((Long) context.currentKey(), 1, Integer::sum);
                    lateness.add(new long[] {timer.timestamp(), System.currentTimeMillis()});
                  }
                },
            2);
    g.connect(src, op).hash((Long v) -> v % 20).kryo(Long.class);

    JobClient client = CLUSTER.submit(g);
    await().atMost(Duration.ofSeconds(20)).until(() -> firings.size() >= 20);
    // A second firing per key would show up within this time.
    await()
        .during(Duration.ofMillis(200))
        .atMost(Duration.ofSeconds(5))
        .until(() -> firings.values().stream().allMatch(n -> n == 1));
    client.cancel();
    client.waitForCompletion(Duration.ofSeconds(30));

    assertThat(firings).hasSize(20);
    assertThat(firings.values()).containsOnly(1);
    assertThat(lateness).allMatch(l -> l[1] >= l[0], "fires no earlier than its timestamp");
  }

  static final AtomicBoolean MAIN_REACHED_100 = new AtomicBoolean();

  @Test
  void anInputExcludedFromTheWatermarkNeitherHoldsBackNorDrivesEventTime() throws Exception {
    MAIN_REACHED_100.set(false);
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    JobGraph g = new JobGraph("side-watermark");
    JobVertex main =
        g.addSource("main", new Scripted(new long[][] {{1, Scripted.watermark(100)}}), 1);
    // The side source stays at watermark 5 until the operator's event time has reached 100.
    JobVertex side =
        g.addSource(
            "side",
            new Scripted(
                new long[][] {{Scripted.watermark(5), 2}},
                step -> step == 2 && !MAIN_REACHED_100.get()),
            1);
    JobVertex op =
        g.addOperator(
            "op",
            () ->
                new AbstractOperator<Long, Void>() {
                  @Override
                  public void processElement(int input, Object record) {
                    log.add("r" + input + ":" + record);
                  }

                  @Override
                  public void processElement(Long record) {}

                  @Override
                  public void processWatermark(long watermark) throws Exception {
                    log.add("w" + (watermark == Watermarks.MAX ? "MAX" : watermark));
                    if (watermark >= 100) {
                      MAIN_REACHED_100.set(true);
                    }
                    super.processWatermark(watermark);
                  }

                  @Override
                  public void processInputWatermark(int input, long watermark) {
                    log.add("s" + input + ":" + (watermark == Watermarks.MAX ? "MAX" : watermark));
                  }
                },
            1);
    g.connect(main, op).rebalance().kryo(Long.class);
    g.connect(side, op).rebalance().kryo(Long.class).toInput(1).excludeFromWatermark();

    TestSupport.run(CLUSTER, g);

    assertThat(log).containsSubsequence("w100", "r1:2", "s1:MAX");
    assertThat(log).contains("s1:5");
    assertThat(log).contains("r0:1", "wMAX");
    assertThat(log).doesNotContain("w5");
  }
}
