package dev.weir.cluster.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.cluster.KeyedSums;
import dev.weir.cluster.transport.ClusterSecret;
import dev.weir.cluster.transport.ClusterTransport;
import dev.weir.cluster.transport.PeerRole;
import dev.weir.cluster.transport.WorkerAddress;
import dev.weir.engine.cluster.EngineConfig;
import dev.weir.engine.cluster.JobResult;
import dev.weir.engine.cluster.JobStatus;
import dev.weir.engine.cluster.LocalCluster;
import dev.weir.engine.cluster.TaskDeployer;
import dev.weir.engine.cluster.TaskPlacement;
import dev.weir.engine.graph.JobGraph;
import dev.weir.engine.graph.JobGraphValidator;
import dev.weir.engine.graph.JobVertex;
import dev.weir.engine.operator.Operators;
import dev.weir.engine.source.SequenceSource;
import dev.weir.engine.task.Task;
import dev.weir.engine.task.TaskListener;
import dev.weir.state.serialization.Serializers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One job deployed over two workers' data planes in one JVM: each deploys only its tasks, the
 * channels between them go over loopback, and the job's output is the embedded run's.
 */
@Timeout(120)
class SplitJobTest {

  private static final ClusterSecret SECRET =
      ClusterSecret.of("a secret shared by the cluster".getBytes(StandardCharsets.UTF_8));
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final int KEYS = 100;

  /** Sink output per run, by run name (the graph's operators are shared by both "workers"). */
  static final Map<String, Queue<String>> OUTPUT = new ConcurrentHashMap<>();

  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void stopAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  /** numbers (2) -HASH-> keyed sums (2) -REBALANCE-> collect (1), the sums into OUTPUT[run]. */
  private static JobGraph keyedSums(String run, long records) {
    Queue<String> out = OUTPUT.computeIfAbsent(run, r -> new ConcurrentLinkedQueue<>());
    out.clear();
    JobGraph g = new JobGraph("split-" + run);
    JobVertex numbers = g.addSource("numbers", new SequenceSource(records), 2);
    JobVertex sums =
        g.addOperator("sums", KeyedSums.KeyedSum::new, 2).keySerializer(Serializers.LONG);
    JobVertex collect =
        g.addOperator("collect", () -> Operators.sink((String s) -> OUTPUT.get(run).add(s)), 1);
    g.connect(numbers, sums).hash((Long v) -> v % KEYS).serializer(Serializers.LONG);
    g.connect(sums, collect).rebalance().serializer(Serializers.STRING);
    return g;
  }

  /** The tasks of both workers, as a coordinator would see them: the job ends when all do. */
  private static final class TwoWorkerJob implements TaskListener {
    final AtomicInteger finished = new AtomicInteger();
    final CountDownLatch ended;
    final Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
    final int tasks;

    TwoWorkerJob(int tasks) {
      this.tasks = tasks;
      this.ended = new CountDownLatch(tasks);
    }

    @Override
    public void taskFinished(Task task) {
      finished.incrementAndGet();
    }

    @Override
    public boolean allTasksFinished() {
      return finished.get() == tasks;
    }

    @Override
    public void taskEnded(Task task, Throwable failure) {
      if (failure != null) {
        failures.add(failure);
      }
      ended.countDown();
    }
  }

  private DataPlane worker() {
    ClusterTransport transport = new ClusterTransport(PeerRole.WORKER, SECRET, TIMEOUT, 1);
    toClose.add(transport);
    DataPlane plane = new DataPlane(transport, new PartitionRegistry(), TIMEOUT);
    plane.listen("127.0.0.1", 0, "127.0.0.1");
    toClose.add(plane);
    return plane;
  }

  @Test
  void aJobSplitOverTwoWorkersGivesTheEmbeddedOutput() throws Exception {
    long records = 300_000;
    JobResult embedded;
    try (LocalCluster local = new LocalCluster(EngineConfig.DEFAULT)) {
      embedded = local.submit(keyedSums("embedded", records)).waitForCompletion(TIMEOUT);
    }
    assertThat(embedded.status()).isEqualTo(JobStatus.FINISHED);

    JobGraph graph = keyedSums("split", records);
    List<JobVertex> order = JobGraphValidator.validate(graph);
    DataPlane a = worker();
    DataPlane b = worker();
    // Subtask 0 of every chain and the sink on a, subtask 1 on b.
    TaskPlacement onA = (head, subtask) -> subtask == 0;
    TaskPlacement onB = (head, subtask) -> subtask == 1;
    WorkerAddress[] addresses = {a.address(), b.address()};
    AttemptExchange exchangeA =
        new AttemptExchange(a, "job", 1, (head, subtask) -> addresses[subtask]);
    AttemptExchange exchangeB =
        new AttemptExchange(b, "job", 1, (head, subtask) -> addresses[subtask]);
    TwoWorkerJob job = new TwoWorkerJob(5);
    // Both deploy, then request their channels: every partition is registered before it is asked
    // for.
    List<Task> tasksA =
        new TaskDeployer(graph, EngineConfig.DEFAULT, job, null, null, onA, exchangeA)
            .deploy(order);
    List<Task> tasksB =
        new TaskDeployer(graph, EngineConfig.DEFAULT, job, null, null, onB, exchangeB)
            .deploy(order);
    assertThat(tasksA).hasSize(3);
    assertThat(tasksB).hasSize(2);
    // Partitions read on the other worker: numbers 0 (by sums 1) on a; numbers 1 and sums 1 on b.
    assertThat(a.registry().size()).isEqualTo(1);
    assertThat(b.registry().size()).isEqualTo(2);
    exchangeA.requestChannels();
    exchangeB.requestChannels();
    List<Thread> threads = new ArrayList<>();
    for (Task t : tasksA) {
      threads.add(t.prepareThread("a " + t.name()));
    }
    for (Task t : tasksB) {
      threads.add(t.prepareThread("b " + t.name()));
    }
    threads.forEach(Thread::start);

    assertThat(job.ended.await(60, TimeUnit.SECONDS)).isTrue();
    assertThat(job.failures).isEmpty();
    for (Thread t : threads) {
      t.join(TIMEOUT.toMillis());
    }
    exchangeA.release();
    exchangeB.release();
    assertThat(a.registry().size()).isZero();

    Map<String, String> expected = KeyedSums.expected(records, KEYS);
    assertThat(KeyedSums.byKey(OUTPUT.get("split")))
        .isEqualTo(KeyedSums.byKey(OUTPUT.get("embedded")));
    assertThat(KeyedSums.byKey(OUTPUT.get("split"))).isEqualTo(expected);
  }
}
