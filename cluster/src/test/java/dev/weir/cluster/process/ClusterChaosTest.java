package dev.weir.cluster.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.cluster.client.ClusterClient;
import dev.weir.cluster.protocol.v1.JobEnded;
import dev.weir.cluster.transport.ClusterSecret;
import dev.weir.engine.TestSupport;
import dev.weir.engine.TwoPhaseCommitSink;
import dev.weir.engine.checkpoint.CheckpointConfig;
import dev.weir.engine.cluster.EngineConfig;
import dev.weir.engine.cluster.RestartStrategy;
import dev.weir.engine.graph.JobGraph;
import dev.weir.engine.graph.JobGraphCodec;
import dev.weir.engine.graph.JobVertex;
import dev.weir.engine.operator.AbstractOperator;
import dev.weir.state.StateSpec;
import dev.weir.state.ValueState;
import dev.weir.state.serialization.Serializers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once across processes: a coordinator and three worker JVMs (one slot each, one spare) run
 * a paced source, a keyed sequencer (per-key sequence numbers in keyed state) and a sink that
 * commits files only when a checkpoint completes. Five workers are killed with SIGKILL at random
 * times and replaced, and one is stopped with SIGSTOP past the heartbeat timeout and continued (it
 * fences itself). Every input number is committed exactly once and every key's sequence numbers are
 * exactly 1..n. Every process is killed by its pid at the end.
 */
@Timeout(300)
class ClusterChaosTest {

  private static final int KEYS = 40;

  @TempDir Path dir;

  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void killAll() throws InterruptedException {
    for (Process p : processes) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private record Started(Process process, ProcessOutput output) {}

  private Started start(String name, Class<?> main, String... args) throws IOException {
    Process p =
        JavaProcess.start(
            List.of("-Xmx192m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=info"), main, args);
    processes.add(p);
    return new Started(
        p, new ProcessOutput(p, line -> System.out.println("[" + name + "] " + line)));
  }

  /** Numbers each record per key in keyed state: emits {value, key, sequence}. */
  static final class KeyedSequencer extends AbstractOperator<Long, long[]> {
    private static final StateSpec<Void, ValueState<Void, Long>> SEQUENCE =
        StateSpec.value("sequence", Serializers.VOID, Serializers.LONG);

    @Override
    public void processElement(Long value) {
      ValueState<Void, Long> sequence = context.state(SEQUENCE);
      Long last = sequence.value(null);
      long next = last == null ? 1 : last + 1;
      sequence.update(null, next);
      output.emit(new long[] {value, value % KEYS, next});
    }
  }

  /**
   * Commits a transaction as one file named by subtask and checkpoint, written to a temporary file
   * and renamed into place, so a reader sees all of it or nothing. A transaction committed again
   * after a restore holds the same records (it was restored from the checkpoint that made it); the
   * second commit is skipped.
   */
  static final class FileCommittingSink extends TwoPhaseCommitSink {
    private final String folder;

    FileCommittingSink(String folder) {
      this.folder = folder;
    }

    @Override
    protected void commit(String transaction, List<long[]> records) {
      Path target = Path.of(folder, transaction + ".txt");
      if (Files.exists(target)) {
        return;
      }
      StringBuilder lines = new StringBuilder();
      for (long[] r : records) {
        lines.append(r[0]).append(' ').append(r[1]).append(' ').append(r[2]).append('\n');
      }
      try {
        Path temp = Files.createTempFile(Path.of(folder), "commit", ".tmp");
        Files.writeString(temp, lines, StandardCharsets.UTF_8);
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot commit " + target, e);
      }
    }
  }

  @Test
  void fiveKilledWorkersAndAStoppedOneLoseAndRepeatNothing() throws Exception {
    long count = 800_000;
    Path secret = dir.resolve("cluster.secret");
    ClusterSecret.createFile(secret);
    Path committed = Files.createDirectories(dir.resolve("committed"));
    Started coordinator =
        start(
            "coordinator",
            CoordinatorCommand.class,
            "--port=0",
            "--secret-file=" + secret,
            "--heartbeat-interval-ms=200",
            "--heartbeat-timeout-ms=2000",
            "--work-dir=" + dir.resolve("coordinator"));
    String port =
        coordinator
            .output()
            .await("coordinator listening on 127\\.0\\.0\\.1:(\\d+)", Duration.ofSeconds(60))
            .group(1);
    List<Started> workers = new ArrayList<>();
    int[] started = {0};
    Runnable[] addWorker = new Runnable[1];
    addWorker[0] =
        () -> {
          try {
            started[0]++;
            Started w =
                start(
                    "worker-" + started[0],
                    WorkerCommand.class,
                    "--coordinator=127.0.0.1:" + port,
                    "--slots=1",
                    "--secret-file=" + secret,
                    "--work-dir=" + dir.resolve("worker-" + started[0]));
            w.output().await("registered with the coordinator", Duration.ofSeconds(60));
            workers.add(w);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        };
    // Two workers of one slot for a job of parallelism 2: each runs tasks, so every kill hits the
    // job; the replacement started after it is what the restart waits for.
    for (int i = 0; i < 2; i++) {
      addWorker[0].run();
    }

    JobGraph g = new JobGraph("chaos");
    JobVertex src = g.addSource("numbers", new TestSupport.PacedSequence(count, 20), 2);
    JobVertex sequencer = g.addOperator("sequence per key", KeyedSequencer::new, 2);
    String folder = committed.toString();
    JobVertex sink = g.addOperator("committing sink", () -> new FileCommittingSink(folder), 2);
    g.connect(src, sequencer).hash((Long v) -> v % KEYS).serializer(Serializers.LONG);
    g.connect(sequencer, sink).rebalance().kryo(long[].class);
    EngineConfig settings =
        EngineConfig.DEFAULT
            .withCheckpoints(
                CheckpointConfig.every(Duration.ofMillis(100), dir.resolve("checkpoints")))
            .withRestartStrategy(RestartStrategy.fixedDelay(50, Duration.ofMillis(10)));
    int restartsSeen = 0;
    JobEnded ended;
    try (ClusterClient client =
        ClusterClient.connect(
            "127.0.0.1",
            Integer.parseInt(port),
            ClusterSecret.fromFile(secret),
            Duration.ofSeconds(30))) {
      ClusterClient.SubmittedJob job =
          client.submit(
              "chaos", JobGraphCodec.encode(g), List.of(), settings, Duration.ofSeconds(30));
      coordinator.output().await("attempt 1: every task prepared, started", Duration.ofSeconds(60));
      Random random = new Random(7);
      for (int kill = 1; kill <= 5 && !job.ended().isDone(); kill++) {
        Thread.sleep(800 + random.nextInt(700));
        Started victim = workers.remove(random.nextInt(workers.size()));
        long killedAt = System.nanoTime();
        victim.process().destroyForcibly(); // SIGKILL
        addWorker[0].run();
        restartsSeen++;
        coordinator
            .output()
            .await(
                "attempt " + (restartsSeen + 1) + ": every task prepared, started",
                Duration.ofSeconds(60));
        System.out.printf(
            "kill %d: running again after %d ms (a new worker JVM started and joined meanwhile)%n",
            kill, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));
      }
      // One worker stopped past the heartbeat timeout, then continued: it must fence itself.
      Started stopped = workers.get(random.nextInt(workers.size()));
      signal("STOP", stopped.process());
      Thread.sleep(3_000);
      signal("CONT", stopped.process());
      stopped.output().await("fenced", Duration.ofSeconds(30));

      ended = job.ended().get(200, TimeUnit.SECONDS);
    }
    assertThat(ended.getStatus()).as(ended.getFailure()).isEqualTo("FINISHED");
    assertThat(restartsSeen).as("restarts after kills").isEqualTo(5);

    List<long[]> records = new ArrayList<>();
    try (Stream<Path> files = Files.list(committed)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".txt")).toList()) {
        for (String line : Files.readAllLines(f)) {
          String[] r = line.split(" ");
          records.add(
              new long[] {Long.parseLong(r[0]), Long.parseLong(r[1]), Long.parseLong(r[2])});
        }
      }
    }
    TwoPhaseCommitSink.assertExactlyOnce(records, count, KEYS);
  }

  private static void signal(String signal, Process process) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(kill.exitValue()).isZero();
  }
}
