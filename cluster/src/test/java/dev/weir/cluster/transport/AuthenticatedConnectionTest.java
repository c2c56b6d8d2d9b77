package dev.weir.cluster.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.weir.cluster.protocol.v1.ControlMessage;
import dev.weir.cluster.protocol.v1.RegisterWorker;
import dev.weir.cluster.protocol.v1.WorkerRegistered;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Connections between Weir processes: authenticated before anything is decoded, or refused. */
@Timeout(60)
class AuthenticatedConnectionTest {

  private static final ClusterSecret SECRET =
      ClusterSecret.of("a secret shared by the cluster".getBytes(StandardCharsets.UTF_8));
  private static final ClusterSecret OTHER_SECRET =
      ClusterSecret.of("another secret, not the cluster's".getBytes(StandardCharsets.UTF_8));
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final int MAX_FRAME = 1024;

  private final List<AutoCloseable> toClose = new ArrayList<>();

  /** What the coordinator side received, and from whom. */
  private final BlockingQueue<ControlMessage> received = new LinkedBlockingQueue<>();

  private final BlockingQueue<PeerIdentity> peers = new LinkedBlockingQueue<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  private ClusterTransport transport(PeerRole role, ClusterSecret secret, int version) {
    ClusterTransport t = new ClusterTransport(role, secret, Duration.ofMillis(500), 1, version);
    toClose.add(t);
    return t;
  }

  /** A coordinator that records what it receives and answers a registration. */
  private ClusterTransport.Listener coordinator(ClusterSecret secret) {
    ClusterTransport.Listener listener =
        transport(PeerRole.COORDINATOR, secret, ClusterTransport.PROTOCOL_VERSION)
            .listen(
                "127.0.0.1",
                0,
                Set.of(PeerRole.WORKER),
                (pipeline, peer) -> {
                  peers.add(peer);
                  ControlFraming.install(
                      pipeline,
                      MAX_FRAME,
                      new SimpleChannelInboundHandler<ControlMessage>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, ControlMessage m) {
                          received.add(m);
                          if (m.hasRegisterWorker()) {
                            ctx.writeAndFlush(
                                ControlMessage.newBuilder()
                                    .setWorkerRegistered(
                                        WorkerRegistered.newBuilder().setWorkerId("worker-1"))
                                    .build());
                          }
                        }
                      });
                });
    toClose.add(listener);
    return listener;
  }

  private static ControlMessage registration() {
    return ControlMessage.newBuilder()
        .setRegisterWorker(
            RegisterWorker.newBuilder().setHost("127.0.0.1").setDataPort(7000).setSlots(4))
        .build();
  }

  private ClusterTransport.Connection connect(
      ClusterTransport client, int port, BlockingQueue<ControlMessage> answers)
      throws InterruptedException {
    return client.connect(
        "127.0.0.1",
        port,
        TIMEOUT,
        (pipeline, peer) ->
            ControlFraming.install(
                pipeline,
                MAX_FRAME,
                new SimpleChannelInboundHandler<ControlMessage>() {
                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, ControlMessage m) {
                    answers.add(m);
                  }
                }));
  }

  /** A plain socket to {@code listener}: a peer that may send anything. */
  private static Socket rawConnection(ClusterTransport.Listener listener) throws IOException {
    Socket s = new Socket();
    s.connect(listener.address(), 10_000);
    s.setSoTimeout(10_000);
    return s;
  }

  @Test
  void peersWithTheSameSecretExchangeControlMessagesAndKnowEachOthersRole() throws Exception {
    ClusterTransport.Listener listener = coordinator(SECRET);
    BlockingQueue<ControlMessage> answers = new LinkedBlockingQueue<>();
    ClusterTransport.Connection c =
        connect(
            transport(PeerRole.WORKER, SECRET, ClusterTransport.PROTOCOL_VERSION),
            listener.address().getPort(),
            answers);
    assertThat(c.peer().role()).isEqualTo(PeerRole.COORDINATOR);
    c.channel().writeAndFlush(registration()).sync();

    assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo(registration());
    assertThat(peers.poll(10, TimeUnit.SECONDS).role()).isEqualTo(PeerRole.WORKER);
    ControlMessage answer = answers.poll(10, TimeUnit.SECONDS);
    assertThat(answer).isNotNull();
    assertThat(answer.getWorkerRegistered().getWorkerId()).isEqualTo("worker-1");
    assertThat(listener.refusedConnections()).isZero();
  }

  @Test
  void aWrongSecretIsRefusedOnBothSidesNamingTheCause() {
    ClusterTransport.Listener listener = coordinator(SECRET);
    ClusterTransport worker =
        transport(PeerRole.WORKER, OTHER_SECRET, ClusterTransport.PROTOCOL_VERSION);
    assertThatThrownBy(
            () -> connect(worker, listener.address().getPort(), new LinkedBlockingQueue<>()))
        .isInstanceOf(HandshakeException.class)
        .hasMessageContaining("refused the connection: the secrets differ")
        .hasMessageContaining("--secret-file");
    await().atMost(Duration.ofSeconds(10)).until(() -> listener.refusedConnections() == 1);
    assertThat(peers).isEmpty();
    assertThat(received).isEmpty();
  }

  /**
   * An attacker who does not know the secret sends a proof of its own and, in the same packet, a
   * well-formed control message: the coordinator refuses the connection and never decodes it.
   */
  @Test
  void nothingAPeerSendsBeforeItIsAuthenticatedIsDecoded() throws Exception {
    ClusterTransport.Listener listener = coordinator(SECRET);
    try (Socket s = rawConnection(listener)) {
      // All in one write: the coordinator may close the connection as soon as it read the proof,
      // and a later write of ours would then fail with a broken pipe.
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeInt(Handshake.MAGIC);
      out.writeInt(ClusterTransport.PROTOCOL_VERSION);
      out.writeByte(PeerRole.WORKER.code());
      out.write(new byte[Handshake.NONCE_BYTES]);
      out.write(new byte[Handshake.PROOF_BYTES]); // a guess
      byte[] message = registration().toByteArray();
      out.writeInt(message.length);
      out.write(message);
      s.getOutputStream().write(bytes.toByteArray());
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      byte[] preamble = in.readNBytes(Handshake.PREAMBLE_BYTES);
      assertThat(preamble).hasSize(Handshake.PREAMBLE_BYTES);
      assertThat(in.read()).as("verdict").isEqualTo(Handshake.Verdict.WRONG_SECRET.code);
      assertThat(in.read()).as("closed after the verdict").isEqualTo(-1);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> listener.refusedConnections() == 1);
    assertThat(received).isEmpty();
    assertThat(peers).isEmpty();
  }

  @Test
  void aPeerOfAnotherProtocolVersionIsRefusedNamingBothVersions() {
    ClusterTransport.Listener listener = coordinator(SECRET);
    ClusterTransport newer =
        transport(PeerRole.WORKER, SECRET, ClusterTransport.PROTOCOL_VERSION + 1);
    assertThatThrownBy(
            () -> connect(newer, listener.address().getPort(), new LinkedBlockingQueue<>()))
        .isInstanceOf(HandshakeException.class)
        .hasMessageContaining("version " + ClusterTransport.PROTOCOL_VERSION)
        .hasMessageContaining("version " + (ClusterTransport.PROTOCOL_VERSION + 1));
    await().atMost(Duration.ofSeconds(10)).until(() -> listener.refusedConnections() == 1);
    assertThat(received).isEmpty();
  }

  @Test
  void aRoleTheListenerDoesNotTakeIsRefused() {
    ClusterTransport.Listener listener = coordinator(SECRET);
    ClusterTransport client = transport(PeerRole.CLIENT, SECRET, ClusterTransport.PROTOCOL_VERSION);
    assertThatThrownBy(
            () -> connect(client, listener.address().getPort(), new LinkedBlockingQueue<>()))
        .isInstanceOf(HandshakeException.class)
        .hasMessageContaining("does not accept a client");
    assertThat(peers).isEmpty();
  }

  @Test
  void aPeerThatSaysNothingIsClosedAfterTheHandshakeTimeout() throws Exception {
    ClusterTransport.Listener listener = coordinator(SECRET);
    try (Socket s = rawConnection(listener)) {
      InputStream in = s.getInputStream();
      assertThat(in.readNBytes(Handshake.PREAMBLE_BYTES)).hasSize(Handshake.PREAMBLE_BYTES);
      long start = System.nanoTime();
      assertThat(in.read()).as("closed by the coordinator").isEqualTo(-1);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(9));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> listener.refusedConnections() == 1);
  }

  @Test
  void aFrameOverTheLimitClosesTheConnectionBeforeItIsBuffered() throws Exception {
    ClusterTransport.Listener listener = coordinator(SECRET);
    ClusterTransport.Connection c =
        connect(
            transport(PeerRole.WORKER, SECRET, ClusterTransport.PROTOCOL_VERSION),
            listener.address().getPort(),
            new LinkedBlockingQueue<>());
    // Only the length of a 100 MB frame: the coordinator must not wait for (or allocate) its body.
    c.channel().writeAndFlush(Unpooled.buffer(4).writeInt(100 << 20)).sync();
    assertThat(c.channel().closeFuture().await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(received).isEmpty();
  }

  @Test
  void anUnreachableAddressFailsWithinTheTimeoutNamingIt() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    ClusterTransport worker = transport(PeerRole.WORKER, SECRET, ClusterTransport.PROTOCOL_VERSION);
    assertThatThrownBy(() -> connect(worker, closedPort, new LinkedBlockingQueue<>()))
        .isInstanceOf(HandshakeException.class)
        .hasMessageContaining("cannot reach 127.0.0.1:" + closedPort);
  }

  @Test
  void aPortInUseAndAnOpenAddressWithoutSecretAreRefusedWithTheFix() throws IOException {
    ClusterTransport.Listener taken = coordinator(SECRET);
    ClusterTransport second =
        transport(PeerRole.COORDINATOR, SECRET, ClusterTransport.PROTOCOL_VERSION);
    assertThatThrownBy(
            () ->
                second.listen(
                    "127.0.0.1", taken.address().getPort(), Set.of(PeerRole.WORKER), (p, x) -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(":" + taken.address().getPort())
        .hasMessageContaining("--port");

    ClusterTransport open =
        transport(PeerRole.COORDINATOR, ClusterSecret.none(), ClusterTransport.PROTOCOL_VERSION);
    assertThatThrownBy(() -> open.listen("0.0.0.0", 0, Set.of(PeerRole.WORKER), (p, x) -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("without a secret")
        .hasMessageContaining("--secret-file");
    // On loopback, no secret is allowed: any local process may connect, as to the job endpoint.
    ClusterTransport.Listener local =
        open.listen("127.0.0.1", 0, Set.of(PeerRole.WORKER), (p, x) -> {});
    toClose.add(local);
    assertThat(local.address().getAddress().isLoopbackAddress()).isTrue();
    assertThat(local.address()).isInstanceOf(InetSocketAddress.class);
  }
}
