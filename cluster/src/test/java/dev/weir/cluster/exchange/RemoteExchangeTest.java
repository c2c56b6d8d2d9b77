package dev.weir.cluster.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.weir.cluster.transport.ClusterSecret;
import dev.weir.cluster.transport.ClusterTransport;
import dev.weir.cluster.transport.PeerRole;
import dev.weir.engine.exchange.BufferOrEvent;
import dev.weir.engine.exchange.ExchangeEvent;
import dev.weir.engine.exchange.FlushDeadline;
import dev.weir.engine.exchange.InputGate;
import dev.weir.engine.exchange.NetworkBuffer;
import dev.weir.engine.exchange.RecordDeserializer;
import dev.weir.engine.exchange.RecordWriter;
import dev.weir.engine.exchange.RemoteInputChannel;
import dev.weir.engine.exchange.ResultPartition;
import dev.weir.state.serialization.Serializers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Channels between two workers' data planes over loopback: in order, against credit, or failed. */
@Timeout(60)
class RemoteExchangeTest {

  private static final ClusterSecret SECRET =
      ClusterSecret.of("a secret shared by the cluster".getBytes(StandardCharsets.UTF_8));
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final int BUFFER_SIZE = 1024;
  private static final int CREDITS = 3;

  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private DataPlane producerSide;
  private DataPlane consumerSide;
  private ClusterTransport producerTransport;

  @BeforeEach
  void startTwoWorkers() {
    producerTransport = transport();
    producerSide = plane(producerTransport);
    consumerSide = plane(transport());
  }

  @AfterEach
  void stopAll() throws Exception {
    for (Thread t : threads) {
      t.interrupt();
      t.join(5_000);
    }
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  private ClusterTransport transport() {
    ClusterTransport t = new ClusterTransport(PeerRole.WORKER, SECRET, TIMEOUT, 1);
    toClose.add(t);
    return t;
  }

  private DataPlane plane(ClusterTransport transport) {
    DataPlane plane = new DataPlane(transport, new PartitionRegistry(), TIMEOUT);
    plane.listen("127.0.0.1", 0, "127.0.0.1");
    toClose.add(plane);
    return plane;
  }

  private static PartitionId id(String name) {
    return new PartitionId("job-1", 1, name);
  }

  private int producerPort() {
    return producerSide.address().port();
  }

  /** A partition of {@code channels} on the producer side, registered, with its writer. */
  private RecordWriter<Long> producer(PartitionId id, int channels, AtomicBoolean cancelled) {
    ResultPartition partition = new ResultPartition(id.partition(), channels, BUFFER_SIZE, 2);
    producerSide.registry().register(id, partition);
    return new RecordWriter<>(
        partition,
        Serializers.LONG,
        (Long value) -> (int) (value % channels),
        -1,
        new FlushDeadline(),
        cancelled::get);
  }

  private Thread start(String name, ThrowingRunnable body, AtomicReference<Throwable> failure) {
    Thread t =
        new Thread(
            () -> {
              try {
                body.run();
              } catch (Throwable e) {
                failure.set(e);
              }
            },
            name);
    t.setDaemon(true);
    threads.add(t);
    t.start();
    return t;
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  /** What a consumer read from one channel: records and, as strings, events. */
  private static final class Received {
    final List<Object> items = new ArrayList<>();
  }

  /** Reads the gate until every channel ended, as a task would. */
  private static Received[] readAll(InputGate gate, int channels) throws Exception {
    Received[] received = new Received[channels];
    List<RecordDeserializer<Long>> readers = new ArrayList<>();
    for (int c = 0; c < channels; c++) {
      received[c] = new Received();
      readers.add(new RecordDeserializer<>(Serializers.LONG));
    }
    long deadline = System.nanoTime() + TIMEOUT.toNanos() * 3;
    while (!gate.isFinished()) {
      BufferOrEvent next = gate.pollNext();
      if (next == null) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("the consumer waited too long");
        }
        Thread.onSpinWait();
        continue;
      }
      int c = gate.lastChannel();
      if (next instanceof NetworkBuffer buffer) {
        RecordDeserializer<Long> reader = readers.get(c);
        reader.setBuffer(buffer);
        for (Object o = reader.next(); o != null; o = reader.next()) {
          received[c].items.add(
              o == RecordDeserializer.WATERMARK ? "watermark " + reader.watermark() : o);
        }
        gate.channel(c).consumed(buffer);
      } else if (next instanceof ExchangeEvent.EndOfInput) {
        received[c].items.add("end");
        gate.markEnded(c);
      } else {
        received[c].items.add(next.toString());
      }
    }
    return received;
  }

  @Test
  void recordsWatermarksAndBarriersArriveInOrderOnEveryChannel() throws Exception {
    PartitionId id = id("numbers->sum#0");
    AtomicBoolean cancelled = new AtomicBoolean();
    RecordWriter<Long> writer = producer(id, 2, cancelled);
    RemoteInputChannel[] inputs = new RemoteInputChannel[2];
    for (int c = 0; c < 2; c++) {
      inputs[c] =
          consumerSide.openChannel("127.0.0.1", producerPort(), id, c, CREDITS, BUFFER_SIZE);
    }
    int n = 200_000;
    AtomicReference<Throwable> failure = new AtomicReference<>();
    start(
        "producer",
        () -> {
          for (long i = 0; i < n; i++) {
            if (i == n / 2) {
              writer.emitWatermark(41);
              writer.broadcastEvent(new ExchangeEvent.CheckpointBarrier(7, 1234, false, true));
            }
            writer.emit(i);
          }
          writer.broadcastEvent(ExchangeEvent.EndOfInput.INSTANCE);
        },
        failure);
    Received[] received = readAll(new InputGate(inputs, () -> {}), 2);

    assertThat(failure.get()).isNull();
    for (int c = 0; c < 2; c++) {
      List<Object> expected = new ArrayList<>();
      for (long i = c; i < n; i += 2) {
        if (i == n / 2 + c) {
          expected.add("watermark 41");
          expected.add(new ExchangeEvent.CheckpointBarrier(7, 1234, false, true).toString());
        }
        expected.add(i);
      }
      expected.add("end");
      assertThat(received[c].items).as("channel %d", c).isEqualTo(expected);
      assertThat(inputs[c].maxBuffersHeld()).isLessThanOrEqualTo(CREDITS);
    }
  }

  @Test
  void aConsumerThatDoesNotReadStopsItsProducerAcrossTheNetwork() throws Exception {
    PartitionId id = id("fast->slow#0");
    AtomicBoolean cancelled = new AtomicBoolean();
    RecordWriter<Long> writer = producer(id, 1, cancelled);
    RemoteInputChannel input =
        consumerSide.openChannel("127.0.0.1", producerPort(), id, 0, CREDITS, BUFFER_SIZE);
    int n = 100_000; // about 1.2 MB: far more than the credit and buffers of both sides
    AtomicLong emitted = new AtomicLong();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    start(
        "producer",
        () -> {
          for (long i = 0; i < n; i++) {
            writer.emit(i);
            emitted.incrementAndGet();
          }
          writer.broadcastEvent(ExchangeEvent.EndOfInput.INSTANCE);
        },
        failure);

    // Nobody reads: the producer runs out of buffers once the consumer's credit is used up.
    await().atMost(TIMEOUT).until(() -> input.maxBuffersHeld() == CREDITS);
    long stalled = emitted.get();
    Thread.sleep(300);
    assertThat(emitted.get()).isEqualTo(stalled).isLessThan(n);
    assertThat(writer.partition().pool().inUse()).isEqualTo(writer.partition().pool().capacity());

    Received[] received = readAll(new InputGate(new RemoteInputChannel[] {input}, () -> {}), 1);
    assertThat(failure.get()).isNull();
    assertThat(received[0].items).hasSize(n + 1).endsWith(n - 1L, "end");
    assertThat(input.maxBuffersHeld()).isEqualTo(CREDITS);
  }

  @Test
  void aPartitionThatIsNotRegisteredFailsTheChannelNamingIt() throws Exception {
    RemoteInputChannel input =
        consumerSide.openChannel(
            "127.0.0.1", producerPort(), id("never-deployed#3"), 0, CREDITS, BUFFER_SIZE);
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThatThrownBy(input::poll)
                    .isInstanceOf(RemoteInputChannel.RemoteChannelException.class)
                    .hasMessageContaining("never-deployed#3")
                    .hasMessageContaining("is not registered on this worker"));
  }

  @Test
  void aLostProducerWorkerFailsItsChannelsAfterWhatArrived() throws Exception {
    PartitionId id = id("a->b#0");
    RecordWriter<Long> writer = producer(id, 1, new AtomicBoolean());
    RemoteInputChannel input =
        consumerSide.openChannel("127.0.0.1", producerPort(), id, 0, CREDITS, BUFFER_SIZE);
    writer.emit(5L);
    writer.flushAll();
    await().atMost(TIMEOUT).until(() -> input.maxBuffersHeld() == 1);

    producerTransport.close();

    BufferOrEvent first = input.poll();
    assertThat(first).isInstanceOf(NetworkBuffer.class);
    input.consumed((NetworkBuffer) first);
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThatThrownBy(input::poll)
                    .isInstanceOf(RemoteInputChannel.RemoteChannelException.class)
                    .hasMessageContaining("lost the connection to the worker at"));
  }

  @Test
  void twoWorkersShareOneConnectionWhicheverOpenedIt() throws Exception {
    PartitionId there = id("x->y#0");
    producer(there, 2, new AtomicBoolean());
    consumerSide.openChannel("127.0.0.1", producerPort(), there, 0, CREDITS, BUFFER_SIZE);
    consumerSide.openChannel("127.0.0.1", producerPort(), there, 1, CREDITS, BUFFER_SIZE);
    PartitionId back = id("y->z#0");
    consumerSide.registry().register(back, new ResultPartition("y->z#0", 1, BUFFER_SIZE, 2));
    await().atMost(TIMEOUT).until(() -> producerSide.connectionCount() == 1);
    int consumerPort = consumerSide.address().port();
    RemoteInputChannel reverse =
        producerSide.openChannel("127.0.0.1", consumerPort, back, 0, CREDITS, BUFFER_SIZE);

    assertThat(reverse.poll()).isNull(); // requested, not failed
    assertThat(producerSide.connectionCount()).isEqualTo(1);
    assertThat(consumerSide.connectionCount()).isEqualTo(1);
  }

  @Test
  void aFrameThatDoesNotParseClosesTheConnection() throws Exception {
    ClusterTransport stranger = transport();
    ClusterTransport.Connection connection =
        stranger.connect("127.0.0.1", producerPort(), TIMEOUT, (pipeline, peer) -> {});
    Channel channel = connection.channel();
    ByteBuf garbage = Unpooled.buffer();
    garbage.writeInt(5);
    garbage.writeByte(99); // no such frame type
    garbage.writeInt(1);
    channel.writeAndFlush(garbage);

    assertThat(channel.closeFuture().await(TIMEOUT.toMillis())).isTrue();
  }

  @Test
  void aFrameLongerThanTheLimitClosesTheConnectionBeforeItIsBuffered() throws Exception {
    ClusterTransport stranger = transport();
    ClusterTransport.Connection connection =
        stranger.connect("127.0.0.1", producerPort(), TIMEOUT, (pipeline, peer) -> {});
    Channel channel = connection.channel();
    ByteBuf header = Unpooled.buffer();
    header.writeInt(DataPlane.MAX_FRAME_BYTES + 1); // announced, never sent
    channel.writeAndFlush(header);

    assertThat(channel.closeFuture().await(TIMEOUT.toMillis())).isTrue();
  }

  @Test
  void aWorkerWithAnotherSecretIsRefusedByTheDataPort() {
    ClusterTransport stranger =
        new ClusterTransport(
            PeerRole.WORKER,
            ClusterSecret.of("not the secret of this cluster".getBytes(StandardCharsets.UTF_8)),
            TIMEOUT,
            1);
    toClose.add(stranger);

    assertThatThrownBy(
            () -> stranger.connect("127.0.0.1", producerPort(), TIMEOUT, (pipeline, peer) -> {}))
        .isInstanceOf(dev.weir.cluster.transport.HandshakeException.class)
        .hasMessageContaining("the secrets differ");
  }
}
