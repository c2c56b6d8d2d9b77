package dev.weir.engine.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.weir.engine.TestSupport;
import dev.weir.engine.graph.JobGraph;
import dev.weir.engine.graph.JobVertex;
import dev.weir.engine.operator.AbstractOperator;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, point 4: a task whose user code ignores interrupts used to keep its job in CANCELLING
 * or RESTARTING for ever, and {@code waitForCompletion} never returned. Past the cancellation
 * timeout the job ends, naming the stuck thread and where it is; its other threads are gone.
 */
class CancellationWatchdogTest {

  /** Per run: released when the test is done with the stuck thread. */
  static final Map<String, CountDownLatch> RELEASE = new ConcurrentHashMap<>();

  /** Per run: elements the stubborn operator saw. */
  static final Map<String, AtomicLong> SEEN = new ConcurrentHashMap<>();

  /** Swallows interrupts in a wait, as some user code does, until its run is released. */
  static final class Stubborn extends AbstractOperator<Long, Long> {
    private final String run;

    Stubborn(String run) {
      this.run = run;
    }

    @Override
    public void processElement(Long value) {
      SEEN.get(run).incrementAndGet();
      CountDownLatch release = RELEASE.get(run);
      while (release.getCount() > 0) {
        try {
          release.await();
        } catch (InterruptedException ignored) {
          // what the watchdog is for: the task never notices it was cancelled
        }
      }
      output.emit(value);
    }
  }

  static final class Discard extends AbstractOperator<Long, Void> {
    @Override
    public void processElement(Long value) {}
  }

  private static JobGraph job(String run, boolean stubborn) {
    RELEASE.put(run, new CountDownLatch(stubborn ? 1 : 0));
    SEEN.put(run, new AtomicLong());
    JobGraph g = new JobGraph("watchdog-" + run);
    JobVertex src = g.addSource("numbers", new TestSupport.PacedSequence(2_000, 10), 2);
    JobVertex op = g.addOperator("stubborn", () -> new Stubborn(run), 1);
    JobVertex sink = g.addOperator("sink", Discard::new, 1);
    g.connect(src, op).rebalance().kryo(Long.class);
    g.connect(op, sink).rebalance().kryo(Long.class);
    return g;
  }

  @AfterEach
  void releaseStuckThreads() {
    RELEASE.values().forEach(CountDownLatch::countDown);
  }

  private static EngineConfig config() {
    return EngineConfig.DEFAULT.withTaskCancellationTimeout(Duration.ofMillis(300));
  }

  @Test
  void aCancelledJobWhoseTaskIgnoresInterruptsEndsCancelledNamingTheThread() throws Exception {
    String run = "cancelled";
    try (LocalCluster cluster = new LocalCluster(config())) {
      JobClient job = cluster.submit(job(run, true));
      await().atMost(Duration.ofSeconds(10)).until(() -> SEEN.get(run).get() > 0);
      job.cancel();
      JobResult result = job.waitForCompletion(Duration.ofSeconds(10));
      assertThat(result.status()).isEqualTo(JobStatus.CANCELED);
      assertThat(result.failure())
          .isInstanceOf(TaskCancellationTimeoutException.class)
          .hasMessageContaining("'weir[watchdog-cancelled] stubborn")
          .hasMessageContaining("--taskCancellationTimeoutMillis")
          .hasMessageContaining(Stubborn.class.getName() + ".processElement");
      assertThat(result.failure().getStackTrace()[0].toString())
          .as("the exception's stack is the stuck thread's")
          .doesNotContain("cancellationOverdue");
      assertThat(TestSupport.liveThreadsOf("watchdog-" + run))
          .as("only the stuck thread is left")
          .singleElement()
          .satisfies(t -> assertThat(t.getName()).contains("stubborn"));
    }
    RELEASE.get(run).countDown();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> TestSupport.liveThreadsOf("watchdog-" + run).isEmpty());
  }

  @Test
  void aRestartThatWaitsForAStuckTaskFailsTheJobAndDoesNotBlockTheNextOne() throws Exception {
    String run = "restarting";
    EngineConfig config =
        config().withRestartStrategy(RestartStrategy.fixedDelay(5, Duration.ofMillis(10)));
    try (LocalCluster cluster = new LocalCluster(config)) {
      JobExecution job = (JobExecution) cluster.submit(job(run, true));
      await().atMost(Duration.ofSeconds(10)).until(() -> SEEN.get(run).get() > 0);
      job.tasks().get(0).failExternally(new IllegalStateException("injected"));
      assertThatThrownBy(() -> job.waitForCompletion(Duration.ofSeconds(10)))
          .isInstanceOf(JobExecutionException.class)
          .hasMessageContaining("did not stop within 300 ms")
          .hasMessageContaining("stubborn")
          .hasRootCauseMessage("injected");
      assertThat(job.status()).isEqualTo(JobStatus.FAILED);

      // The same cluster runs the next job while the stuck thread is still there.
      String next = "after";
      JobClient again = cluster.submit(job(next, false));
      assertThat(again.waitForCompletion(Duration.ofSeconds(30)).status())
          .isEqualTo(JobStatus.FINISHED);
      assertThat(SEEN.get(next).get()).isEqualTo(2_000);
    }
    RELEASE.get(run).countDown();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> TestSupport.liveThreadsOf("watchdog-" + run).isEmpty());
  }
}
