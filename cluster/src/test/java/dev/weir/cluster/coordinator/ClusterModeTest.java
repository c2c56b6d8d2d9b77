package dev.weir.cluster.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.weir.cluster.KeyedSums;
import dev.weir.cluster.client.ClusterClient;
import dev.weir.cluster.membership.HeartbeatSettings;
import dev.weir.cluster.membership.WorkerMembership;
import dev.weir.cluster.protocol.v1.JobEnded;
import dev.weir.cluster.protocol.v1.JobInfo;
import dev.weir.cluster.protocol.v1.JobReply;
import dev.weir.cluster.protocol.v1.JobRequest;
import dev.weir.cluster.transport.ClusterSecret;
import dev.weir.cluster.transport.ClusterTransport;
import dev.weir.cluster.transport.PeerRole;
import dev.weir.cluster.worker.ClusterWorker;
import dev.weir.engine.cluster.EngineConfig;
import dev.weir.engine.cluster.LocalCluster;
import dev.weir.engine.graph.JobGraph;
import dev.weir.engine.graph.JobGraphCodec;
import dev.weir.engine.graph.JobVertex;
import dev.weir.engine.operator.Operators;
import dev.weir.engine.source.SequenceSource;
import dev.weir.state.serialization.Serializers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A coordinator, two workers and a client in one JVM, over loopback: jobs submitted as bytes are
 * placed on the workers' slots, deployed in two phases, and end as the client is told.
 */
@Timeout(120)
class ClusterModeTest {

  private static final ClusterSecret SECRET =
      ClusterSecret.of("a secret shared by the cluster".getBytes(StandardCharsets.UTF_8));
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final int KEYS = 100;

  /** Sink output per run (the workers run in this JVM). */
  static final Map<String, Queue<String>> OUTPUT = new ConcurrentHashMap<>();

  /** Records each run's sources emitted (counted after the source, in this JVM's workers). */
  static final Map<String, AtomicLong> SEEN = new ConcurrentHashMap<>();

  @TempDir Path work;

  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void stopAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  private <T extends AutoCloseable> T closing(T c) {
    toClose.add(c);
    return c;
  }

  /**
   * numbers (p) -> poison (p, chained: {@code failAt} becomes -1) -HASH-> keyed sums (p)
   * -REBALANCE-> collect (1), the sums into OUTPUT[run].
   */
  static JobGraph keyedSums(String run, long records, int parallelism, long failAt) {
    OUTPUT.computeIfAbsent(run, r -> new ConcurrentLinkedQueue<>()).clear();
    JobGraph g = new JobGraph(run);
    JobVertex numbers = g.addSource("numbers", new SequenceSource(records), parallelism);
    SEEN.put(run, new AtomicLong());
    JobVertex poison =
        g.addOperator(
            "poison",
            () ->
                Operators.map(
                    (Long v) -> {
                      SEEN.get(run).incrementAndGet();
                      return v == failAt ? -1L : v;
                    }),
            parallelism);
    JobVertex sums =
        g.addOperator("sums", KeyedSums.KeyedSum::new, parallelism).keySerializer(Serializers.LONG);
    JobVertex collect =
        g.addOperator("collect", () -> Operators.sink((String s) -> OUTPUT.get(run).add(s)), 1);
    g.connect(numbers, poison);
    g.connect(poison, sums).hash((Long v) -> Math.abs(v) % KEYS).serializer(Serializers.LONG);
    g.connect(sums, collect).rebalance().serializer(Serializers.STRING);
    return g;
  }

  private ClusterCoordinator coordinator() {
    ClusterTransport transport =
        closing(new ClusterTransport(PeerRole.COORDINATOR, SECRET, TIMEOUT, 2));
    return closing(
        new ClusterCoordinator(
            transport,
            "127.0.0.1",
            0,
            new HeartbeatSettings(Duration.ofMillis(200), Duration.ofSeconds(5)),
            work.resolve("coordinator"),
            (w, why) -> {}));
  }

  /** A worker in this JVM: closing its transport is as close to a kill as one JVM gets. */
  private record Worker(ClusterTransport transport, WorkerMembership membership) {}

  private WorkerMembership worker(ClusterCoordinator coordinator, String name, int slots)
      throws InterruptedException {
    return startWorker(coordinator, name, slots).membership();
  }

  private Worker startWorker(ClusterCoordinator coordinator, String name, int slots)
      throws InterruptedException {
    ClusterTransport transport = closing(new ClusterTransport(PeerRole.WORKER, SECRET, TIMEOUT, 1));
    ClusterWorker worker =
        closing(
            new ClusterWorker(
                transport,
                slots,
                "127.0.0.1",
                0,
                "127.0.0.1",
                work.resolve(name),
                EngineConfig.DEFAULT));
    return new Worker(
        transport,
        closing(worker.join("127.0.0.1", coordinator.address().getPort(), TIMEOUT, why -> {})));
  }

  private ClusterClient client(ClusterCoordinator coordinator) throws InterruptedException {
    return closing(
        ClusterClient.connect("127.0.0.1", coordinator.address().getPort(), SECRET, TIMEOUT));
  }

  private ClusterCoordinator withWorkers(int... slots) throws InterruptedException {
    ClusterCoordinator coordinator = coordinator();
    int total = 0;
    for (int i = 0; i < slots.length; i++) {
      worker(coordinator, "w" + i, slots[i]);
      total += slots[i];
    }
    int expected = total;
    await()
        .atMost(TIMEOUT)
        .until(() -> coordinator.membership().registry().totalSlots() == expected);
    return coordinator;
  }

  @Test
  void aJobOverTwoWorkersGivesTheEmbeddedOutput() throws Exception {
    long records = 200_000;
    try (LocalCluster local = new LocalCluster(EngineConfig.DEFAULT)) {
      local.submit(keyedSums("embedded", records, 2, -5)).waitForCompletion(TIMEOUT);
    }
    ClusterCoordinator coordinator = withWorkers(1, 1);
    ClusterClient client = client(coordinator);
    byte[] graph = JobGraphCodec.encode(keyedSums("cluster", records, 2, -5));

    ClusterClient.SubmittedJob job = client.submit("keyed sums", graph, List.of(), TIMEOUT);
    JobEnded ended = job.ended().get(60, TimeUnit.SECONDS);

    assertThat(ended.getStatus()).as(ended.getFailure()).isEqualTo("FINISHED");
    Map<String, String> expected = KeyedSums.expected(records, KEYS);
    assertThat(KeyedSums.byKey(OUTPUT.get("cluster")))
        .isEqualTo(KeyedSums.byKey(OUTPUT.get("embedded")));
    assertThat(KeyedSums.byKey(OUTPUT.get("cluster"))).isEqualTo(expected);
    await().atMost(TIMEOUT).until(() -> coordinator.runningJobs() == 0);
  }

  @Test
  void aJobNeedingMoreSlotsThanAreFreeIsRefusedNamingThem() throws Exception {
    ClusterCoordinator coordinator = withWorkers(1);
    ClusterClient client = client(coordinator);
    byte[] graph = JobGraphCodec.encode(keyedSums("too-wide", 10, 3, -5));

    assertThatThrownBy(() -> client.submit("too wide", graph, List.of(), TIMEOUT))
        .isInstanceOf(ClusterClient.JobRefusedException.class)
        .hasMessageContaining("needs 3 slots")
        .hasMessageContaining("1 are free on 1 workers");
  }

  @Test
  void aFailingTaskFailsTheJobWithItsCause() throws Exception {
    ClusterCoordinator coordinator = withWorkers(1, 1);
    ClusterClient client = client(coordinator);
    byte[] graph = JobGraphCodec.encode(keyedSums("poisoned", 100_000, 2, 777));

    JobEnded ended =
        client.submit("poisoned", graph, List.of(), TIMEOUT).ended().get(60, TimeUnit.SECONDS);

    assertThat(ended.getStatus()).isEqualTo("FAILED");
    assertThat(ended.getFailure()).contains("sums").contains("a negative number: -1");
    await().atMost(TIMEOUT).until(() -> coordinator.runningJobs() == 0);
  }

  @Test
  void aLostWorkerFailsItsJob() throws Exception {
    ClusterCoordinator coordinator = coordinator();
    worker(coordinator, "w1", 1);
    WorkerMembership second = worker(coordinator, "w2", 1);
    await().atMost(TIMEOUT).until(() -> coordinator.membership().registry().totalSlots() == 2);
    ClusterClient client = client(coordinator);
    byte[] graph = JobGraphCodec.encode(keyedSums("endless", Long.MAX_VALUE, 2, -5));
    ClusterClient.SubmittedJob job = client.submit("endless", graph, List.of(), TIMEOUT);
    Thread.sleep(500); // running

    second.close(); // its control connection closes: lost at once

    JobEnded ended = job.ended().get(60, TimeUnit.SECONDS);
    assertThat(ended.getStatus()).isEqualTo("FAILED");
    assertThat(ended.getFailure()).contains("was lost");
  }

  @Test
  void aCancelledJobEndsCancelled() throws Exception {
    ClusterCoordinator coordinator = withWorkers(2);
    ClusterClient client = client(coordinator);
    byte[] graph = JobGraphCodec.encode(keyedSums("cancelled", Long.MAX_VALUE, 2, -5));
    ClusterClient.SubmittedJob job = client.submit("cancelled", graph, List.of(), TIMEOUT);
    Thread.sleep(500);

    job.cancel();

    JobEnded ended = job.ended().get(60, TimeUnit.SECONDS);
    assertThat(ended.getStatus()).isEqualTo("CANCELED");
    await().atMost(TIMEOUT).until(() -> coordinator.runningJobs() == 0);
  }

  @Test
  void aKilledWorkersTasksRestartFromTheLatestCheckpointOnTheSpareOne() throws Exception {
    long records = 30_000_000;
    ClusterCoordinator coordinator = coordinator();
    Worker first = startWorker(coordinator, "w1", 1);
    startWorker(coordinator, "w2", 1);
    await().atMost(TIMEOUT).until(() -> coordinator.membership().registry().totalSlots() == 2);
    ClusterClient client = client(coordinator);
    Path checkpoints = work.resolve("checkpoints");
    EngineConfig settings =
        EngineConfig.DEFAULT
            .withCheckpoints(
                dev.weir.engine.checkpoint.CheckpointConfig.every(
                        Duration.ofMillis(100), checkpoints)
                    .withRetained(2))
            .withRestartStrategy(
                dev.weir.engine.cluster.RestartStrategy.fixedDelay(3, Duration.ofMillis(10)));
    byte[] graph = JobGraphCodec.encode(keyedSums("restarted", records, 2, -5));
    ClusterClient.SubmittedJob job =
        client.submit("restarted", graph, List.of(), settings, TIMEOUT);
    // Once a checkpoint completed, a spare worker joins and the first one dies.
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> completedCheckpoints(checkpoints) > 0 || job.ended().isDone());
    assertThat(job.ended()).isNotDone();
    startWorker(coordinator, "w3", 1);
    first.transport().close();

    JobEnded ended = job.ended().get(120, TimeUnit.SECONDS);

    assertThat(ended.getStatus()).as(ended.getFailure()).isEqualTo("FINISHED");
    Map<String, String> expected = KeyedSums.expected(records, KEYS);
    assertThat(KeyedSums.byKey(OUTPUT.get("restarted"))).isEqualTo(expected);
  }

  @Test
  void aJobStoppedWithASavepointResumesFromItCountingEachRecordOnce() throws Exception {
    long records = 30_000_000;
    ClusterCoordinator coordinator = withWorkers(1, 1);
    ClusterClient client = client(coordinator);
    EngineConfig settings =
        EngineConfig.DEFAULT.withCheckpoints(
            dev.weir.engine.checkpoint.CheckpointConfig.every(
                Duration.ofMillis(100), work.resolve("checkpoints")));
    ClusterClient.SubmittedJob first =
        client.submit(
            "stopped",
            JobGraphCodec.encode(keyedSums("stopped", records, 2, -5)),
            List.of(),
            settings,
            TIMEOUT);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                status(client, first.id()).getCompletedCheckpoints() > 0 || first.ended().isDone());
    assertThat(first.ended()).isNotDone();
    JobReply listed = client.request(JobRequest.Kind.KIND_LIST, null).get(30, TimeUnit.SECONDS);
    assertThat(listed.getJobsList()).extracting(JobInfo::getJobId).containsExactly(first.id());
    assertThat(listed.getJobs(0).getStatus()).isEqualTo("RUNNING");

    JobReply savepoint =
        client.request(JobRequest.Kind.KIND_SAVEPOINT, first.id()).get(60, TimeUnit.SECONDS);
    assertThat(savepoint.getError()).isEmpty();
    assertThat(Path.of(savepoint.getSavepointPath())).isDirectory();
    assertThat(first.ended()).as("a savepoint leaves the job running").isNotDone();
    JobReply stop = client.request(JobRequest.Kind.KIND_STOP, first.id()).get(60, TimeUnit.SECONDS);
    assertThat(stop.getError()).isEmpty();
    JobEnded ended = first.ended().get(60, TimeUnit.SECONDS);
    assertThat(ended.getStatus()).as(ended.getFailure()).isEqualTo("FINISHED");
    assertThat(OUTPUT.get("stopped")).as("stopped before its input ended: no sums yet").isEmpty();

    // Resumed from the stop's savepoint: every record counted once over both runs.
    ClusterClient.SubmittedJob resumed =
        client.submit(
            "resumed",
            JobGraphCodec.encode(keyedSums("resumed", records, 2, -5)),
            List.of(),
            settings,
            Path.of(stop.getSavepointPath()),
            TIMEOUT);
    JobEnded end = resumed.ended().get(120, TimeUnit.SECONDS);
    assertThat(end.getStatus()).as(end.getFailure()).isEqualTo("FINISHED");
    assertThat(KeyedSums.byKey(OUTPUT.get("resumed"))).isEqualTo(KeyedSums.expected(records, KEYS));
    assertThat(SEEN.get("resumed").get())
        .as("the resumed run read on from the savepoint, not from the start")
        .isLessThan(records)
        .isGreaterThan(0);
  }

  @Test
  void requestsTheCoordinatorCannotAnswerSayWhy() throws Exception {
    ClusterCoordinator coordinator = withWorkers(1, 1);
    ClusterClient client = client(coordinator);
    assertThat(client.request(JobRequest.Kind.KIND_STATUS, "job-42").get(30, TimeUnit.SECONDS))
        .extracting(JobReply::getError)
        .asString()
        .contains("no job 'job-42'")
        .contains("weir list");
    ClusterClient.SubmittedJob job =
        client.submit(
            "unchecked",
            JobGraphCodec.encode(keyedSums("unchecked", 50_000_000, 2, -5)),
            List.of(),
            TIMEOUT);
    JobReply refused =
        client.request(JobRequest.Kind.KIND_SAVEPOINT, job.id()).get(30, TimeUnit.SECONDS);
    assertThat(refused.getError())
        .contains("without checkpoints")
        .contains("--checkpointingInterval");
    job.cancel();
    assertThat(job.ended().get(30, TimeUnit.SECONDS).getStatus()).isEqualTo("CANCELED");
    assertThatThrownBy(
            () ->
                client.submit(
                    "no-such-savepoint",
                    JobGraphCodec.encode(keyedSums("x", 10, 2, -5)),
                    List.of(),
                    EngineConfig.DEFAULT,
                    work.resolve("nowhere"),
                    TIMEOUT))
        .isInstanceOf(ClusterClient.JobRefusedException.class)
        .hasMessageContaining("nowhere");
  }

  private static JobInfo status(ClusterClient client, String id) throws Exception {
    JobReply reply = client.request(JobRequest.Kind.KIND_STATUS, id).get(30, TimeUnit.SECONDS);
    return reply.getJobsCount() == 0 ? JobInfo.getDefaultInstance() : reply.getJobs(0);
  }

  private static long completedCheckpoints(Path root) throws java.io.IOException {
    if (!java.nio.file.Files.isDirectory(root)) {
      return 0;
    }
    try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(root, 3)) {
      return files.filter(p -> p.getFileName().toString().equals("_metadata")).count();
    } catch (java.io.UncheckedIOException racingDelete) {
      return 0;
    }
  }
}
