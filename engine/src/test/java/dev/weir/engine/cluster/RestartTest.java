package dev.weir.engine.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.weir.engine.TestSupport;
import dev.weir.engine.checkpoint.CheckpointConfig;
import dev.weir.engine.graph.JobGraph;
import dev.weir.engine.graph.JobVertex;
import dev.weir.engine.operator.AbstractOperator;
import dev.weir.engine.source.Source;
import dev.weir.engine.source.SourceContext;
import dev.weir.engine.source.SourceOutput;
import dev.weir.engine.source.SourceReader;
import dev.weir.state.StateSpec;
import dev.weir.state.ValueState;
import dev.weir.state.rocksdb.RocksDbStateBackendFactory;
import dev.weir.state.serialization.Serializers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, point 2: restarts that fit a long-running job. The delay backs off while the job keeps
 * failing and starts over once it made progress; a restart whose restore or deployment fails is one
 * attempt, and closes what it created.
 */
class RestartTest {

  private static final int KEYS = 10;

  /** Per run: readers open now, restores that still fail, and the final per-key sums. */
  static final Map<String, AtomicInteger> OPEN_READERS = new ConcurrentHashMap<>();

  static final Map<String, AtomicInteger> FAILING_RESTORES = new ConcurrentHashMap<>();
  static final Map<String, Map<Long, Long>> SUMS = new ConcurrentHashMap<>();

  @TempDir Path dir;

  /**
   * Numbers from {@link TestSupport.PacedSequence}; counts its open readers, and restoring subtask
   * 1's reader fails while the run's failing-restore budget lasts (after subtask 0's was created).
   */
  static final class FlakySource implements Source<Long> {
    private static final long serialVersionUID = 1L;
    private final String run;
    private final TestSupport.PacedSequence numbers;

    FlakySource(String run, long count, long perMilli) {
      this.run = run;
      this.numbers = new TestSupport.PacedSequence(count, perMilli);
    }

    @Override
    public boolean isBounded() {
      return true;
    }

    @Override
    public SourceReader<Long> createReader(int subtask, int parallelism) {
      return counted(numbers.createReader(subtask, parallelism));
    }

    @Override
    public SourceReader<Long> restoreReader(int subtask, int parallelism, List<Object> positions) {
      if (subtask == 1 && FAILING_RESTORES.get(run).getAndDecrement() > 0) {
        throw new IllegalStateException("injected: the source cannot be reached");
      }
      return counted(numbers.restoreReader(subtask, parallelism, positions));
    }

    private SourceReader<Long> counted(SourceReader<Long> reader) {
      AtomicInteger open = OPEN_READERS.computeIfAbsent(run, r -> new AtomicInteger());
      open.incrementAndGet();
      return new SourceReader<>() {
        @Override
        public void open(SourceContext context) throws Exception {
          reader.open(context);
        }

        @Override
        public Status emitNext(SourceOutput<Long> output) throws Exception {
          return reader.emitNext(output);
        }

        @Override
        public Object position() {
          return reader.position();
        }

        @Override
        public void close() throws Exception {
          open.decrementAndGet();
          reader.close();
        }
      };
    }
  }

  /** Sums values per key in keyed state, emitting the sum with each value. */
  static final class KeyedSum extends AbstractOperator<Long, long[]> {
    private static final StateSpec<Void, ValueState<Void, Long>> SUM =
        StateSpec.value("sum", Serializers.VOID, Serializers.LONG);

    @Override
    public void processElement(Long value) {
      ValueState<Void, Long> sum = context.state(SUM);
      Long before = sum.value(null);
      long now = (before == null ? 0 : before) + value;
      sum.update(null, now);
      output.emit(new long[] {value % KEYS, now});
    }
  }

  /** Keeps the largest sum seen per key: the final sum, also when output is replayed. */
  static final class LatestSum extends AbstractOperator<long[], Void> {
    private final String run;

    LatestSum(String run) {
      this.run = run;
    }

    @Override
    public void processElement(long[] sum) {
      SUMS.computeIfAbsent(run, r -> new ConcurrentHashMap<>()).merge(sum[0], sum[1], Math::max);
    }
  }

  /** Passes sums on; its first snapshot throws (as a throwing {@code @FinishBundle} would). */
  static final class FailsFirstSnapshot extends AbstractOperator<long[], long[]> {
    static final Map<String, AtomicInteger> FAILURES = new ConcurrentHashMap<>();
    private final String run;

    FailsFirstSnapshot(String run) {
      this.run = run;
    }

    @Override
    public void processElement(long[] sum) {
      output.emit(sum);
    }

    @Override
    public byte[] snapshotOperatorState(long checkpointId) {
      if (FAILURES.computeIfAbsent(run, r -> new AtomicInteger()).getAndIncrement() == 0) {
        throw new IllegalStateException("injected: flushing the bundle failed");
      }
      return null;
    }
  }

  /**
   * Issue 12, point 8: the sum's RocksDB snapshot is taken, then the operator chained after it
   * throws in the synchronous part. The previous code never released that snapshot, so the database
   * never closed and its folder stayed after the job.
   */
  @Test
  void aCheckpointFailingInTheSynchronousPartLeavesNoDatabaseBehind() throws Exception {
    String run = "sync-failure";
    long count = 5_000;
    FAILING_RESTORES.put(run, new AtomicInteger());
    Path rocksDb = dir.resolve("rocksdb");
    EngineConfig config =
        EngineConfig.DEFAULT
            .withCheckpoints(CheckpointConfig.every(Duration.ofMillis(20), dir.resolve("chk")))
            .withStateBackend(new RocksDbStateBackendFactory(rocksDb))
            .withRestartStrategy(RestartStrategy.fixedDelay(3, Duration.ofMillis(10)));
    JobGraph g = new JobGraph("restarts-" + run);
    JobVertex src = g.addSource("numbers", new FlakySource(run, count, 5), 2);
    JobVertex sum = g.addOperator("sum per key", KeyedSum::new, 2);
    JobVertex fragile = g.addOperator("fragile", () -> new FailsFirstSnapshot(run), 2);
    JobVertex sink = g.addOperator("sink", () -> new LatestSum(run), 1);
    g.connect(src, sum).hash((Long v) -> v % KEYS).kryo(Long.class);
    g.connect(sum, fragile);
    g.connect(fragile, sink).rebalance().kryo(long[].class);
    try (LocalCluster cluster = new LocalCluster(config)) {
      JobClient job = cluster.submit(g);
      assertThat(job.waitForCompletion(Duration.ofSeconds(60)).status())
          .isEqualTo(JobStatus.FINISHED);
      assertThat(FailsFirstSnapshot.FAILURES.get(run).get())
          .as("snapshots of the fragile operator")
          .isGreaterThan(1);
    }
    assertThat(SUMS.get(run)).isEqualTo(expectedSums(count));
    try (Stream<Path> left = Files.list(rocksDb)) {
      assertThat(left.toList()).as("RocksDB instances left behind").isEmpty();
    }
    TestSupport.assertNoThreadsLeft("restarts-" + run);
  }

  private static JobGraph sumsJob(String run, long count, long perMilli) {
    JobGraph g = new JobGraph("restarts-" + run);
    JobVertex src = g.addSource("numbers", new FlakySource(run, count, perMilli), 2);
    JobVertex sum = g.addOperator("sum per key", KeyedSum::new, 2);
    JobVertex sink = g.addOperator("sink", () -> new LatestSum(run), 1);
    g.connect(src, sum).hash((Long v) -> v % KEYS).kryo(Long.class);
    g.connect(sum, sink).rebalance().kryo(long[].class);
    return g;
  }

  private static Map<Long, Long> expectedSums(long count) {
    Map<Long, Long> expected = new HashMap<>();
    for (long v = 0; v < count; v++) {
      expected.merge(v % KEYS, v, Long::sum);
    }
    return expected;
  }

  private static void failAndAwaitRestart(JobExecution job) {
    int before = job.restarts();
    job.tasks().get(0).failExternally(new IllegalStateException("injected"));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> job.restarts() > before && job.status() == JobStatus.RUNNING);
  }

  /**
   * The previous code waited the same delay before every restart and allowed three over the job's
   * life; here the fourth failure in a row is restarted too, after a delay that doubled each time,
   * and the delay starts over once a checkpoint completed.
   */
  @Test
  void theDelayDoublesWhileTheJobKeepsFailingAndStartsOverOnceACheckpointCompleted()
      throws Exception {
    String run = "backoff";
    FAILING_RESTORES.put(run, new AtomicInteger());
    Duration first = Duration.ofMillis(20);
    EngineConfig config =
        EngineConfig.DEFAULT
            .withCheckpoints(CheckpointConfig.every(Duration.ZERO, dir))
            .withRestartStrategy(
                RestartStrategy.exponentialDelay(
                    RestartStrategy.UNLIMITED, first, Duration.ofSeconds(30)));
    try (LocalCluster cluster = new LocalCluster(config)) {
      JobExecution job = (JobExecution) cluster.submit(sumsJob(run, 10_000_000, 1));
      for (int i = 0; i < 4; i++) {
        failAndAwaitRestart(job);
        assertThat(job.lastRestartDelay())
            .as("delay before restart %d in a row", i + 1)
            .isEqualTo(first.multipliedBy(1L << i));
      }
      job.triggerCheckpoint().get(30, TimeUnit.SECONDS);
      failAndAwaitRestart(job);
      assertThat(job.lastRestartDelay()).as("delay after a completed checkpoint").isEqualTo(first);
      assertThat(job.restarts()).isEqualTo(5);
      job.cancel();
      assertThat(job.waitForCompletion(Duration.ofSeconds(30)).status())
          .isEqualTo(JobStatus.CANCELED);
    }
    TestSupport.assertNoThreadsLeft("restarts-" + run);
  }

  /**
   * The previous code failed the job at the first restore that threw. Here two restores fail (after
   * the other subtask's reader and every RocksDB instance were created): each is one attempt, what
   * it created is closed, and the third restores and finishes with exact sums.
   */
  @Test
  void aFailedRestoreIsOneAttemptAndClosesWhatItCreated() throws Exception {
    String run = "flaky-restore";
    long count = 20_000;
    FAILING_RESTORES.put(run, new AtomicInteger(2));
    Path rocksDb = dir.resolve("rocksdb");
    EngineConfig config =
        EngineConfig.DEFAULT
            .withCheckpoints(CheckpointConfig.every(Duration.ofMillis(50), dir.resolve("chk")))
            .withStateBackend(new RocksDbStateBackendFactory(rocksDb))
            .withRestartStrategy(
                RestartStrategy.exponentialDelay(5, Duration.ofMillis(10), Duration.ofSeconds(1)));
    try (LocalCluster cluster = new LocalCluster(config)) {
      JobExecution job = (JobExecution) cluster.submit(sumsJob(run, count, 5));
      await().atMost(Duration.ofSeconds(30)).until(() -> job.checkpointStats().completed() >= 1);
      job.tasks().get(0).failExternally(new IllegalStateException("injected"));
      assertThat(job.waitForCompletion(Duration.ofSeconds(60)).status())
          .isEqualTo(JobStatus.FINISHED);
      assertThat(job.restarts()).as("two failed attempts and the one that worked").isEqualTo(3);
    }
    assertThat(SUMS.get(run)).isEqualTo(expectedSums(count));
    assertThat(OPEN_READERS.get(run).get()).as("source readers left open").isZero();
    try (Stream<Path> left = Files.list(rocksDb)) {
      assertThat(left.toList()).as("RocksDB instances left behind").isEmpty();
    }
    TestSupport.assertNoThreadsLeft("restarts-" + run);
  }

  /**
   * {@code maxRestarts} bounds the attempts, failed ones included; the last failure is the cause.
   */
  @Test
  void restoresThatKeepFailingUseUpTheAttemptsAndFailTheJobWithTheirCause() throws Exception {
    String run = "broken-restore";
    FAILING_RESTORES.put(run, new AtomicInteger(Integer.MAX_VALUE));
    EngineConfig config =
        EngineConfig.DEFAULT
            .withCheckpoints(CheckpointConfig.every(Duration.ofMillis(50), dir))
            .withRestartStrategy(RestartStrategy.fixedDelay(3, Duration.ofMillis(10)));
    try (LocalCluster cluster = new LocalCluster(config)) {
      JobExecution job = (JobExecution) cluster.submit(sumsJob(run, 10_000_000, 1));
      await().atMost(Duration.ofSeconds(30)).until(() -> job.checkpointStats().completed() >= 1);
      job.tasks().get(0).failExternally(new IllegalStateException("injected"));
      assertThatThrownBy(() -> job.waitForCompletion(Duration.ofSeconds(30)))
          .isInstanceOf(JobExecutionException.class)
          .hasMessageContaining("the source cannot be reached");
      assertThat(job.restarts()).isEqualTo(3);
      assertThat(job.status()).isEqualTo(JobStatus.FAILED);
    }
    assertThat(OPEN_READERS.get(run).get()).as("source readers left open").isZero();
    TestSupport.assertNoThreadsLeft("restarts-" + run);
  }
}
