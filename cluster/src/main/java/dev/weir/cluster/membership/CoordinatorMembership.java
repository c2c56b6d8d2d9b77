package dev.weir.cluster.membership;

import dev.weir.cluster.protocol.v1.ControlMessage;
import dev.weir.cluster.protocol.v1.Heartbeat;
import dev.weir.cluster.protocol.v1.RegisterWorker;
import dev.weir.cluster.protocol.v1.WorkerRegistered;
import dev.weir.cluster.transport.ClusterTransport;
import dev.weir.cluster.transport.ConnectionSetup;
import dev.weir.cluster.transport.ControlFraming;
import dev.weir.cluster.transport.PeerRole;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's side of membership: takes workers' registrations on its control port, answers
 * their heartbeats (so a worker notices a coordinator that went silent), and loses workers whose
 * connection closed or who stayed silent past the timeout. Messages it does not handle go to the
 * handlers after it. Any thread; its handlers run on Netty's event loops.
 */
public final class CoordinatorMembership implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CoordinatorMembership.class);

  private final HeartbeatSettings heartbeats;
  private final WorkerRegistry registry;
  private final ClusterTransport.Listener listener;
  private final ScheduledFuture<?> timeoutCheck;

  /**
   * Listens on {@code bindHost:port} for workers.
   *
   * @param onLost told of every lost worker and why (on an event loop: must not block)
   */
  public CoordinatorMembership(
      ClusterTransport transport,
      String bindHost,
      int port,
      HeartbeatSettings heartbeats,
      BiConsumer<RegisteredWorker, String> onLost) {
    this(transport, bindHost, port, heartbeats, onLost, null, null);
  }

  /**
   * Listens on {@code bindHost:port} for workers and clients.
   *
   * @param onLost told of every lost worker and why (on an event loop: must not block)
   * @param workerMessages makes, per worker connection, the handler of the messages membership does
   *     not handle (job messages); {@code null}: none
   * @param clients sets up a client's connection; {@code null}: clients are refused
   */
  public CoordinatorMembership(
      ClusterTransport transport,
      String bindHost,
      int port,
      HeartbeatSettings heartbeats,
      BiConsumer<RegisteredWorker, String> onLost,
      Supplier<ChannelHandler> workerMessages,
      ConnectionSetup clients) {
    this.heartbeats = heartbeats;
    this.registry = new WorkerRegistry(heartbeats, System::nanoTime, onLost);
    this.listener =
        transport.listen(
            bindHost,
            port,
            clients == null ? Set.of(PeerRole.WORKER) : Set.of(PeerRole.WORKER, PeerRole.CLIENT),
            (pipeline, peer) -> {
              if (peer.role() == PeerRole.CLIENT) {
                clients.install(pipeline, peer);
              } else if (workerMessages == null) {
                ControlFraming.install(
                    pipeline, ControlFraming.DEFAULT_MAX_FRAME_BYTES, new MembershipHandler());
              } else {
                ControlFraming.install(
                    pipeline,
                    ControlFraming.DEFAULT_MAX_FRAME_BYTES,
                    new MembershipHandler(),
                    workerMessages.get());
              }
            });
    long every = heartbeats.interval().toMillis();
    this.timeoutCheck =
        listener
            .channel()
            .eventLoop()
            .scheduleAtFixedRate(registry::checkTimeouts, every, every, TimeUnit.MILLISECONDS);
  }

  public WorkerRegistry registry() {
    return registry;
  }

  /** Where workers connect. */
  public InetSocketAddress address() {
    return listener.address();
  }

  /** Stops taking workers and checking them; their connections close with the transport. */
  @Override
  public void close() {
    timeoutCheck.cancel(false);
    listener.close();
  }

  /** One worker's control connection. Event loop. */
  private final class MembershipHandler extends SimpleChannelInboundHandler<ControlMessage> {
    private String workerId;

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ControlMessage message) {
      switch (message.getBodyCase()) {
        case REGISTER_WORKER -> register(ctx, message.getRegisterWorker());
        case HEARTBEAT -> {
          String id = message.getHeartbeat().getWorkerId();
          if (registry.heard(id, ctx.channel())) {
            ctx.writeAndFlush(
                ControlMessage.newBuilder()
                    .setHeartbeat(Heartbeat.newBuilder().setWorkerId(id))
                    .build());
          } else {
            LOG.warn(
                "heartbeat of unknown worker '{}' from {}; closing its connection (it registers anew)",
                id,
                ctx.channel().remoteAddress());
            ctx.close();
          }
        }
        default -> ctx.fireChannelRead(message);
      }
    }

    private void register(ChannelHandlerContext ctx, RegisterWorker offer) {
      if (workerId != null) {
        LOG.warn("worker {} registered twice on one connection; closing it", workerId);
        ctx.close();
        return;
      }
      if (offer.getSlots() < 1 || offer.getDataPort() < 0 || offer.getDataPort() > 65535) {
        LOG.warn(
            "refusing the registration from {}: {} slots, data port {}",
            ctx.channel().remoteAddress(),
            offer.getSlots(),
            offer.getDataPort());
        ctx.close();
        return;
      }
      // Without a host of its own choosing, a worker is reached where its control connection came
      // from.
      String host =
          offer.getHost().isEmpty()
              ? ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress().getHostAddress()
              : offer.getHost();
      RegisteredWorker w =
          registry.register(host, offer.getDataPort(), offer.getSlots(), ctx.channel());
      workerId = w.id();
      ctx.writeAndFlush(
          ControlMessage.newBuilder()
              .setWorkerRegistered(
                  WorkerRegistered.newBuilder()
                      .setWorkerId(w.id())
                      .setHeartbeatIntervalMillis(heartbeats.interval().toMillis())
                      .setHeartbeatTimeoutMillis(heartbeats.timeout().toMillis()))
              .build());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      registry.connectionClosed(ctx.channel());
      super.channelInactive(ctx);
    }
  }
}
