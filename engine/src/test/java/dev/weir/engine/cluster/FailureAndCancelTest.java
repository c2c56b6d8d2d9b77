package dev.weir.engine.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.weir.engine.TestSupport;
import dev.weir.engine.graph.JobGraph;
import dev.weir.engine.graph.JobVertex;
import dev.weir.engine.operator.AbstractOperator;
import dev.weir.engine.operator.OperatorContext;
import dev.weir.engine.operator.Operators;
import dev.weir.engine.source.SequenceSource;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class FailureAndCancelTest {

  private static final LocalCluster CLUSTER = new LocalCluster();

  @AfterAll
  static void shutdown() {
    CLUSTER.close();
  }

  static final class UserFailure extends Exception {
    UserFailure(String message) {
      super(message);
    }
  }

  enum FailAt {
    OPEN,
    RECORD,
    CLOSE
  }

  /** Throws the given exception at the given point; counts closes. */
  static final class Failing extends AbstractOperator<Long, Long> {
    private final FailAt at;
    private final Exception failure;
    private final AtomicInteger closes;

    Failing(FailAt at, Exception failure, AtomicInteger closes) {
      this.at = at;
      this.failure = failure;
      this.closes = closes;
    }

    @Override
    public void open(OperatorContext<Long> context) throws Exception {
      super.open(context);
      if (at == FailAt.OPEN) {
        throw failure;
      }
    }

    @Override
    public void processElement(Long record) throws Exception {
      if (at == FailAt.RECORD && record == 5_000) {
        throw failure;
      }
      output.emit(record);
    }

    @Override
    public void close() throws Exception {
      closes.incrementAndGet();
      if (at == FailAt.CLOSE) {
        throw failure;
      }
    }
  }

  /**
   * An unbounded source feeding a failing operator over a HASH edge, plus a healthy branch that
   * keeps running.
   */
  private static JobGraph failingJob(
      String name, FailAt at, Exception failure, AtomicInteger closes, long records) {
    JobGraph g = new JobGraph(name);
    JobVertex src =
        records < 0
            ? g.addSource("src", new TestSupport.Endless(false), 2)
            : g.addSource("src", new SequenceSource(records), 2);
    JobVertex failing = g.addOperator("failing", () -> new Failing(at, failure, closes), 2);
    JobVertex sink = g.addOperator("sink", () -> Operators.sink((Long v) -> {}), 1);
    JobVertex healthy = g.addOperator("healthy", () -> Operators.sink((Long v) -> {}), 3);
    g.connect(src, failing).hash((Long v) -> v).kryo(Long.class);
    g.connect(failing, sink).rebalance().kryo(Long.class);
    g.connect(src, healthy).rebalance().kryo(Long.class);
    return g;
  }

  private static void assertFailsWith(String name, FailAt at, long records) throws Exception {
    UserFailure failure = new UserFailure("boom at " + at);
    AtomicInteger closes = new AtomicInteger();
    JobClient client = CLUSTER.submit(failingJob(name, at, failure, closes, records));

    assertThatThrownBy(() -> client.waitForCompletion(Duration.ofSeconds(30)))
        .isInstanceOf(JobExecutionException.class)
        .hasMessageContaining(name)
        .cause()
        .isSameAs(failure);
    assertThat(client.status()).isEqualTo(JobStatus.FAILED);
    TestSupport.assertNoThreadsLeft(name);
    if (at != FailAt.OPEN) {
      assertThat(closes.get()).as("every opened instance is closed").isEqualTo(2);
    }
  }

  @Test
  void anOperatorThatThrowsOnARecordFailsTheJobWithItsExceptionAndStopsEveryThread()
      throws Exception {
    assertFailsWith("fail-on-record", FailAt.RECORD, -1);
  }

  @Test
  void anOperatorThatThrowsInOpenFailsTheJobTheSameWay() throws Exception {
    assertFailsWith("fail-on-open", FailAt.OPEN, -1);
  }

  @Test
  void anOperatorThatThrowsInCloseFailsTheJobTheSameWay() throws Exception {
    assertFailsWith("fail-on-close", FailAt.CLOSE, 10_000);
  }

  @Test
  void aRuntimeExceptionInAChainedOperatorIsTheCauseUnwrapped() throws Exception {
    IllegalStateException failure = new IllegalStateException("chained boom");
    JobGraph g = new JobGraph("chained-failure");
    JobVertex src = g.addSource("src", new SequenceSource(1_000_000), 1);
    JobVertex map =
        g.addOperator(
            "map",
            () ->
                Operators.map(
                    (Long v) -> {
                      if (v == 777) {
                        throw failure;
                      }
                      return v;
                    }),
            1);
    JobVertex sink = g.addOperator("sink", () -> Operators.sink((Long v) -> {}), 1);
    g.connect(src, map);
    g.connect(map, sink);

    JobClient client = CLUSTER.submit(g);
    assertThatThrownBy(() -> client.waitForCompletion(Duration.ofSeconds(30)))
        .cause()
        .isSameAs(failure);
    TestSupport.assertNoThreadsLeft("chained-failure");
  }

  @Test
  void cancelStopsAnUnboundedJobAndEveryThread() throws Exception {
    AtomicLong seen = new AtomicLong();
    JobGraph g = new JobGraph("cancel-me");
    JobVertex src = g.addSource("src", new TestSupport.Endless(true), 2);
    JobVertex sink =
        g.addOperator("sink", () -> Operators.sink((Long v) -> seen.incrementAndGet()), 2);
    g.connect(src, sink).hash((Long v) -> v).kryo(Long.class);

    JobClient client = CLUSTER.submit(g);
    await().atMost(Duration.ofSeconds(10)).until(() -> seen.get() >= 10_000);
    assertThat(client.status()).isEqualTo(JobStatus.RUNNING);

    client.cancel();
    JobResult result = client.waitForCompletion(Duration.ofSeconds(30));

    assertThat(result.status()).isEqualTo(JobStatus.CANCELED);
    assertThat(client.status()).isEqualTo(JobStatus.CANCELED);
    TestSupport.assertNoThreadsLeft("cancel-me");
  }

  @Test
  void cancelInterruptsAnOperatorBlockedInUserCode() throws Exception {
    JobGraph g = new JobGraph("cancel-blocked");
    JobVertex src = g.addSource("src", new TestSupport.Endless(false), 1);
    JobVertex sleeper =
        g.addOperator("sleeper", () -> Operators.sink((Long v) -> Thread.sleep(60_000)), 1);
    g.connect(src, sleeper).rebalance().kryo(Long.class);

    JobClient client = CLUSTER.submit(g);
    Thread.sleep(200);
    client.cancel();

    assertThat(client.waitForCompletion(Duration.ofSeconds(30)).status())
        .isEqualTo(JobStatus.CANCELED);
    TestSupport.assertNoThreadsLeft("cancel-blocked");
  }
}
