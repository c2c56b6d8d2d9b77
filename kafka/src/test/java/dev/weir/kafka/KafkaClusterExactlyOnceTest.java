package dev.weir.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.cluster.process.LoopbackCluster;
import dev.weir.cluster.transport.ClusterSecret;
import dev.weir.engine.checkpoint.CheckpointStats;
import dev.weir.runner.WeirPipelineOptions;
import dev.weir.runner.WeirPipelineResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Topic to topic with exactly-once on a cluster whose worker JVMs are killed: a coordinator and two
 * worker JVMs of one slot each run the windowed count of {@link WindowedCountToKafka} with the
 * exactly-once sink, checkpoints every 500 ms; five times (first right after the first output
 * appeared, then at a random moment after a checkpoint completed) a worker is killed with SIGKILL
 * (its Kafka producers and open transactions die with it) and a new one started. A {@code
 * read_committed} consumer must see every window's count once and exactly right, and the reader's
 * group must have committed the input's end offsets. Every process is killed by its pid at the end.
 */
@Timeout(600)
class KafkaClusterExactlyOnceTest {

  private static final int KEYS = 20;
  private static final int RECORDS = 40_000;
  private static final int KILLS = 5;

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  @TempDir Path dir;

  private LoopbackCluster cluster;

  @AfterEach
  void killAll() throws InterruptedException {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void everyWindowCountedOnceWhileWorkerJvmsAreKilled() throws Exception {
    String in = "cluster-eos-in";
    String out = "cluster-eos-out";
    String group = "cluster-eos-reader";
    KAFKA.broker().createTopic(in, 3);
    KAFKA.broker().createTopic(out, 3);

    Path secret = dir.resolve("cluster.secret");
    ClusterSecret.createFile(secret);
    cluster =
        LoopbackCluster.start(
            LoopbackCluster.Settings.printing(
                2,
                1,
                secret,
                dir,
                List.of("-Xmx512m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"),
                List.of()));
    WeirPipelineOptions options =
        PipelineOptionsFactory.fromArgs(
                "--runner=WeirRunner",
                "--parallelism=2",
                "--streaming=true",
                "--jobName=kafka-cluster-eos",
                "--coordinator=" + cluster.coordinatorAddress(),
                "--secretFile=" + secret,
                "--checkpointingInterval=500",
                "--checkpointDir=" + dir.resolve("checkpoints"),
                "--restartDelayMillis=100",
                "--maxRestartDelayMillis=1000")
            .as(WeirPipelineOptions.class);
    Pipeline p = Pipeline.create(options);
    WindowedCountToKafka.build(p, KAFKA.broker().bootstrapServers(), in, out, group);
    WeirPipelineResult result = (WeirPipelineResult) p.run();

    CountedInput input = new CountedInput(KAFKA, in, RECORDS, KEYS);
    input.start();
    Random random = new Random(5);
    List<Process> workers = new ArrayList<>(cluster.processes().subList(1, 3));
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    int killed = 0;
    long completedAtKill = 0;
    // The first kill right after the first transactions committed, before a checkpoint recorded
    // that the writers wrote anything; the others at random.
    KAFKA.topics().readCommitted(out, Duration.ofMinutes(1), r -> !r.isEmpty());
    while (killed < KILLS && System.nanoTime() < deadline) {
      if (killed > 0) {
        Thread.sleep(300 + random.nextInt(1_200));
      }
      assertThat(result.getState())
          .as("the job ended early")
          .isEqualTo(PipelineResult.State.RUNNING);
      CheckpointStats checkpoints = result.checkpointStats();
      if (checkpoints != null && checkpoints.completed() > completedAtKill) {
        completedAtKill = checkpoints.completed();
        Process victim = workers.remove(random.nextInt(workers.size()));
        victim.destroyForcibly(); // SIGKILL: no goodbye to the coordinator or the broker
        victim.waitFor();
        killed++;
        System.out.printf(
            "kill %d: worker pid %d after checkpoint %d%n",
            killed, victim.pid(), checkpoints.lastCompletedId());
        workers.add(cluster.addWorker());
      }
    }
    assertThat(killed).as("workers killed").isEqualTo(KILLS);

    input.assertCountedExactlyOnce(out, group);
    assertThat(result.restarts()).as("restarts").isGreaterThanOrEqualTo(KILLS);
    assertThat(result.cancel()).isEqualTo(PipelineResult.State.CANCELLED);
  }
}
