package dev.weir.cluster.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.weir.cluster.protocol.v1.ControlMessage;
import dev.weir.cluster.protocol.v1.RegisterWorker;
import dev.weir.cluster.protocol.v1.WorkerRegistered;
import dev.weir.cluster.transport.ClusterSecret;
import dev.weir.cluster.transport.ClusterTransport;
import dev.weir.cluster.transport.ConnectionSetup;
import dev.weir.cluster.transport.ControlFraming;
import dev.weir.cluster.transport.HandshakeException;
import dev.weir.cluster.transport.PeerRole;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Workers join, stay while they beat, and are lost (and fence themselves) when contact ends. */
@Timeout(60)
class MembershipTest {

  private static final ClusterSecret SECRET =
      ClusterSecret.of("a secret shared by the cluster".getBytes(StandardCharsets.UTF_8));
  private static final HeartbeatSettings FAST =
      new HeartbeatSettings(Duration.ofMillis(50), Duration.ofMillis(400));
  private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(10);

  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final BlockingQueue<String> lost = new LinkedBlockingQueue<>();
  private final BlockingQueue<String> fenced = new LinkedBlockingQueue<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  private <T extends AutoCloseable> T closing(T t) {
    toClose.add(t);
    return t;
  }

  private ClusterTransport transport(PeerRole role) {
    return closing(new ClusterTransport(role, SECRET, Duration.ofSeconds(5), 1));
  }

  private CoordinatorMembership coordinator(HeartbeatSettings heartbeats) {
    return closing(
        new CoordinatorMembership(
            transport(PeerRole.COORDINATOR),
            "127.0.0.1",
            0,
            heartbeats,
            (worker, why) -> lost.add(worker.id() + ": " + why)));
  }

  /** Control frames to {@code onMessage}, for stand-ins of a coordinator or a worker. */
  private static ConnectionSetup framed(
      BiConsumer<ChannelHandlerContext, ControlMessage> onMessage) {
    return (pipeline, peer) ->
        ControlFraming.install(
            pipeline,
            1 << 20,
            new SimpleChannelInboundHandler<ControlMessage>() {
              @Override
              protected void channelRead0(ChannelHandlerContext ctx, ControlMessage m) {
                onMessage.accept(ctx, m);
              }
            });
  }

  private static RegisterWorker offer(int slots) {
    return RegisterWorker.newBuilder()
        .setHost("127.0.0.1")
        .setDataPort(7001)
        .setSlots(slots)
        .build();
  }

  private WorkerMembership join(ClusterTransport worker, int port, int slots)
      throws InterruptedException {
    return closing(
        WorkerMembership.join(
            worker, "127.0.0.1", port, JOIN_TIMEOUT, offer(slots), List::of, fenced::add));
  }

  @Test
  void aWorkerRegistersItsSlotsAndStaysWhileItBeats() throws Exception {
    CoordinatorMembership coordinator = coordinator(FAST);
    WorkerMembership a = join(transport(PeerRole.WORKER), coordinator.address().getPort(), 4);
    WorkerMembership b = join(transport(PeerRole.WORKER), coordinator.address().getPort(), 2);
    assertThat(a.workerId()).isNotEqualTo(b.workerId());
    assertThat(a.heartbeats()).isEqualTo(FAST);
    assertThat(coordinator.registry().workers())
        .extracting(RegisteredWorker::id)
        .containsExactly(a.workerId(), b.workerId());
    assertThat(coordinator.registry().totalSlots()).isEqualTo(6);

    Thread.sleep(3 * FAST.timeout().toMillis());
    assertThat(coordinator.registry().workers()).hasSize(2);
    assertThat(lost).isEmpty();
    assertThat(fenced).isEmpty();
    assertThat(a.fencedBecause()).isNull();
  }

  @Test
  void aWorkerWhoseConnectionClosesIsLostAtOnce() throws Exception {
    // A long timeout: only the closed connection can make the worker lost within the wait.
    CoordinatorMembership coordinator =
        coordinator(new HeartbeatSettings(Duration.ofMillis(100), Duration.ofSeconds(30)));
    WorkerMembership worker = join(transport(PeerRole.WORKER), coordinator.address().getPort(), 1);
    worker.close();
    String why = lost.poll(10, TimeUnit.SECONDS);
    assertThat(why).isEqualTo(worker.workerId() + ": its control connection closed");
    assertThat(coordinator.registry().workers()).isEmpty();
    assertThat(fenced).as("leaving is not fencing").isEmpty();
  }

  @Test
  void aWorkerThatStopsBeatingIsLostAfterTheTimeout() throws Exception {
    CoordinatorMembership coordinator = coordinator(FAST);
    // Registers like a worker, then says nothing more (a hung process with its socket open).
    ClusterTransport.Connection silent =
        transport(PeerRole.WORKER)
            .connect(
                "127.0.0.1", coordinator.address().getPort(), JOIN_TIMEOUT, framed((ctx, m) -> {}));
    silent.channel().writeAndFlush(ControlMessage.newBuilder().setRegisterWorker(offer(3)).build());
    await().atMost(Duration.ofSeconds(10)).until(() -> coordinator.registry().totalSlots() == 3);
    long start = System.nanoTime();
    String why = lost.poll(10, TimeUnit.SECONDS);
    assertThat(why).contains("no heartbeat for").contains("timeout 400 ms");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(silent.channel().closeFuture().await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(coordinator.registry().workers()).isEmpty();
  }

  @Test
  void aWorkerFencesItselfWhenTheCoordinatorGoesAway() throws Exception {
    ClusterTransport coordinatorNetwork = transport(PeerRole.COORDINATOR);
    CoordinatorMembership coordinator =
        new CoordinatorMembership(coordinatorNetwork, "127.0.0.1", 0, FAST, (w, why) -> {});
    WorkerMembership worker = join(transport(PeerRole.WORKER), coordinator.address().getPort(), 1);
    coordinator.close();
    coordinatorNetwork.close(); // the process is gone: its connections close
    String why = fenced.poll(10, TimeUnit.SECONDS);
    assertThat(why).isEqualTo("the control connection to the coordinator closed");
    assertThat(worker.fencedBecause()).isEqualTo(why);
  }

  @Test
  void aWorkerFencesItselfWhenTheCoordinatorStopsAnswering() throws Exception {
    // A coordinator that accepts the registration and then never answers a heartbeat.
    ClusterTransport.Listener mute =
        closing(
            transport(PeerRole.COORDINATOR)
                .listen(
                    "127.0.0.1",
                    0,
                    Set.of(PeerRole.WORKER),
                    framed(
                        (ctx, m) -> {
                          if (m.hasRegisterWorker()) {
                            ctx.writeAndFlush(
                                ControlMessage.newBuilder()
                                    .setWorkerRegistered(
                                        WorkerRegistered.newBuilder()
                                            .setWorkerId("worker-7")
                                            .setHeartbeatIntervalMillis(50)
                                            .setHeartbeatTimeoutMillis(400))
                                    .build());
                          }
                        })));
    WorkerMembership worker = join(transport(PeerRole.WORKER), mute.address().getPort(), 1);
    assertThat(worker.workerId()).isEqualTo("worker-7");
    String why = fenced.poll(10, TimeUnit.SECONDS);
    assertThat(why).contains("has not answered for").contains("timeout 400 ms");
  }

  @Test
  void aRegistrationWithoutSlotsIsRefusedWithAMessage() {
    CoordinatorMembership coordinator = coordinator(FAST);
    assertThatThrownBy(() -> join(transport(PeerRole.WORKER), coordinator.address().getPort(), 0))
        .isInstanceOf(HandshakeException.class)
        .hasMessageContaining("closed the connection before accepting the registration");
    assertThat(coordinator.registry().workers()).isEmpty();
  }

  @Test
  void settingsThatWouldLoseHealthyPeersAreRefused() {
    assertThatThrownBy(() -> new HeartbeatSettings(Duration.ofSeconds(1), Duration.ofMillis(1500)))
        .hasMessageContaining("at least twice the interval");
  }
}
