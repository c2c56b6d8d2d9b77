package dev.weir.engine.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.engine.TestSupport;
import dev.weir.engine.exchange.BufferPool;
import dev.weir.engine.graph.JobGraph;
import dev.weir.engine.graph.JobVertex;
import dev.weir.engine.operator.Operators;
import dev.weir.engine.source.Source;
import dev.weir.engine.source.SourceOutput;
import dev.weir.engine.source.SourceReader;
import dev.weir.engine.task.Task;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * A fast unbounded source into a deliberately slow sink, for 20 s: the source must be slowed to the
 * sink's pace, with at most the configured buffers in flight. The bound on records emitted but not
 * consumed is what keeps memory bounded, so the test holds in any heap (from an IDE too); Maven
 * runs it in a 256 MiB heap, where an unthrottled source would also end in OutOfMemoryError.
 */
class BackPressureTest {

  static final AtomicLong EMITTED = new AtomicLong();
  static final AtomicLong CONSUMED = new AtomicLong();

  /** Emits 1 KiB payloads as fast as it is allowed to. */
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
          // A new array per record: if nothing throttled the source, the heap would fill up fast.
          output.emit(new byte[1024]);
          EMITTED.incrementAndGet();
          return Status.MORE_AVAILABLE;
        }
      };
    }
  }

  @Test
  void aSlowSinkThrottlesAFastSourceWithBoundedBuffersForTwentySeconds() throws Exception {
    EngineConfig config = EngineConfig.DEFAULT;
    JobGraph g = new JobGraph("back-pressure");
    JobVertex src = g.addSource("firehose", new Firehose(), 2);
    JobVertex sink =
        g.addOperator(
            "slow-sink",
            () ->
                Operators.sink(
                    (byte[] payload) -> {
                      LockSupport.parkNanos(100_000); // about 10,000 records/s per subtask at most
                      CONSUMED.incrementAndGet();
                    }),
            2);
    g.connect(src, sink).rebalance().kryo(byte[].class);

    try (LocalCluster cluster = new LocalCluster(config)) {
      JobClient client = cluster.submit(g);
      List<BufferPool> pools = new ArrayList<>();
      for (Task t : ((JobExecution) client).tasks()) {
        pools.addAll(t.outputPools());
      }
      assertThat(pools).hasSize(2);
      int capacity = pools.get(0).capacity();
      // Buffers one producer may hold: per channel (2 consumers) the configured number, plus one.
      assertThat(capacity).isEqualTo(2 * config.buffersPerOutputChannel() + 1);
      long recordsPerBuffer = config.bufferSize() / (1024 + 4 + 4);
      long inFlightBound = 2L * (capacity + 2) * (recordsPerBuffer + 1) + 2 * 64 * 2;

      long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      long maxGap = 0;
      while (System.nanoTime() < end) {
        Thread.sleep(100);
        assertThat(client.status()).isEqualTo(JobStatus.RUNNING);
        long gap = EMITTED.get() - CONSUMED.get();
        maxGap = Math.max(maxGap, gap);
        for (BufferPool p : pools) {
          assertThat(p.inUse()).isLessThanOrEqualTo(p.capacity());
          assertThat(p.maxInUse()).isLessThanOrEqualTo(p.capacity());
          assertThat(p.allocated()).isLessThanOrEqualTo(p.capacity());
        }
      }
      client.cancel();
      client.waitForCompletion(Duration.ofSeconds(30));

      long consumed = CONSUMED.get();
      long emitted = EMITTED.get();
      System.out.printf(
          "back-pressure: emitted %d, consumed %d, max gap %d records (bound %d)%n",
          emitted, consumed, maxGap, inFlightBound);
      assertThat(consumed).as("the sink made progress").isGreaterThan(10_000);
      assertThat(maxGap)
          .as("records emitted but not consumed stay bounded by the buffers")
          .isLessThanOrEqualTo(inFlightBound);
      assertThat(emitted)
          .as("the source ran at the sink's pace")
          .isLessThanOrEqualTo(consumed + inFlightBound);
      for (BufferPool p : pools) {
        assertThat(p.maxInUse())
            .as("the pool was used up: back-pressure was real")
            .isEqualTo(p.capacity());
      }
      TestSupport.assertNoThreadsLeft("back-pressure");
    }
  }
}
