package dev.weir.cluster.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weir.cluster.client.ClusterClient;
import dev.weir.cluster.testing.InProcessCluster;
import dev.weir.cluster.transport.ClusterSecret;
import dev.weir.engine.cluster.EngineConfig;
import dev.weir.engine.exchange.BufferPool;
import dev.weir.engine.graph.JobGraph;
import dev.weir.engine.graph.JobGraphCodec;
import dev.weir.engine.graph.JobVertex;
import dev.weir.engine.operator.Operators;
import dev.weir.engine.source.Source;
import dev.weir.engine.source.SourceOutput;
import dev.weir.engine.source.SourceReader;
import dev.weir.engine.task.Task;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Back-pressure between workers: a fast source on one worker into a slow sink on the other, over
 * the data plane's TCP connection, for 20 s. The source must slow to the sink's pace with the
 * producer's buffer pool and the consumer's exclusive buffers never above their sizes: credit
 * crosses the network, so nothing piles up anywhere (Maven runs this in a 256 MiB heap, where a
 * source running free would end in OutOfMemoryError).
 */
@Timeout(120)
class RemoteBackPressureTest {

  static final AtomicLong EMITTED = new AtomicLong();
  static final AtomicLong CONSUMED = new AtomicLong();

  private static final ClusterSecret SECRET =
      ClusterSecret.of("a secret shared by the cluster".getBytes(StandardCharsets.UTF_8));
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final int PAYLOAD = 1024;

  @TempDir Path work;

  private InProcessCluster cluster;
  private ClusterClient client;

  @AfterEach
  void stopAll() {
    if (client != null) {
      client.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  /** Subtask 1 emits 1 KiB payloads as fast as it may; subtask 0 emits nothing. */
  static final class Firehose implements Source<byte[]> {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean isBounded() {
      return false;
    }

    @Override
    public SourceReader<byte[]> createReader(int subtaskIndex, int parallelism) {
      return new SourceReader<>() {
        @Override
        public Status emitNext(SourceOutput<byte[]> output) {
          if (subtaskIndex == 0) {
            return Status.NOTHING_AVAILABLE;
          }
          output.emit(new byte[PAYLOAD]); // a new array each: unthrottled, the heap fills up
          EMITTED.incrementAndGet();
          return Status.MORE_AVAILABLE;
        }
      };
    }
  }

  @Test
  void aSlowSinkOnAnotherWorkerThrottlesAFastSourceWithBoundedBuffers() throws Exception {
    cluster = new InProcessCluster(SECRET, work, 1, 1);
    ClusterWorker first = cluster.workers().get(0);
    ClusterWorker second = cluster.workers().get(1);

    // Slot i runs subtask i of every chain, slots taken from the workers in turn: the emitting
    // source subtask 1 runs on one worker, the sink (subtask 0) on the other.
    JobGraph g = new JobGraph("remote-back-pressure");
    JobVertex source = g.addSource("firehose", new Firehose(), 2);
    JobVertex sink =
        g.addOperator(
            "slow-sink",
            () ->
                Operators.sink(
                    (byte[] payload) -> {
                      LockSupport.parkNanos(100_000); // at most about 10,000 records/s
                      CONSUMED.incrementAndGet();
                    }),
            1);
    g.connect(source, sink).rebalance().kryo(byte[].class);
    client =
        ClusterClient.connect(
            "127.0.0.1", cluster.coordinator().address().getPort(), SECRET, TIMEOUT);
    ClusterClient.SubmittedJob job =
        client.submit("remote back-pressure", JobGraphCodec.encode(g), List.of(), TIMEOUT);

    await().atMost(TIMEOUT).until(() -> tasks(first, second).size() == 3);
    Task emitting = null;
    Task consuming = null;
    for (ClusterWorker w : List.of(first, second)) {
      for (Task t : w.jobs().tasks()) {
        if (t.name().contains("firehose") && t.subtaskIndex() == 1) {
          emitting = t;
        } else if (t.name().contains("slow-sink")) {
          consuming = t;
        }
      }
    }
    assertThat(emitting).as("the emitting source task").isNotNull();
    assertThat(consuming).as("the sink task").isNotNull();
    assertThat(first.jobs().tasks().contains(emitting))
        .as("source and sink run on different workers")
        .isNotEqualTo(first.jobs().tasks().contains(consuming));
    List<BufferPool> pools = emitting.outputPools();
    assertThat(pools).hasSize(1);
    BufferPool pool = pools.get(0);
    EngineConfig config = EngineConfig.DEFAULT;
    long recordsPerBuffer = config.bufferSize() / (PAYLOAD + 8);
    // In flight at most: the producer's pool, the consumer's credits, and what each side holds
    // deserialized (one buffer's records each, plus a record split over two buffers).
    long inFlightBound =
        (pool.capacity() + config.creditsPerInputChannel() + 2) * (recordsPerBuffer + 1);

    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    long maxGap = 0;
    while (System.nanoTime() < end) {
      Thread.sleep(100);
      assertThat(job.ended()).isNotDone();
      maxGap = Math.max(maxGap, EMITTED.get() - CONSUMED.get());
      assertThat(pool.inUse()).isLessThanOrEqualTo(pool.capacity());
      assertThat(pool.allocated()).isLessThanOrEqualTo(pool.capacity());
    }
    job.cancel();
    assertThat(job.ended().get(30, TimeUnit.SECONDS).getStatus()).isEqualTo("CANCELED");

    long consumed = CONSUMED.get();
    long emitted = EMITTED.get();
    System.out.printf(
        "remote back-pressure: emitted %d, consumed %d, max gap %d records (bound %d)%n",
        emitted, consumed, maxGap, inFlightBound);
    assertThat(consumed).as("the sink made progress").isGreaterThan(10_000);
    assertThat(maxGap)
        .as("records emitted but not consumed stay bounded by the buffers")
        .isLessThanOrEqualTo(inFlightBound);
    assertThat(pool.maxInUse())
        .as("the pool was used up: back-pressure came over the network")
        .isEqualTo(pool.capacity());
  }

  private static List<Task> tasks(ClusterWorker... workers) {
    List<Task> all = new ArrayList<>();
    for (ClusterWorker w : workers) {
      all.addAll(w.jobs().tasks());
    }
    return all;
  }
}
