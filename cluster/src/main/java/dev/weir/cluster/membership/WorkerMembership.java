package dev.weir.cluster.membership;

import dev.weir.cluster.protocol.v1.ControlMessage;
import dev.weir.cluster.protocol.v1.Heartbeat;
import dev.weir.cluster.protocol.v1.RegisterWorker;
import dev.weir.cluster.protocol.v1.RunningTask;
import dev.weir.cluster.protocol.v1.WorkerRegistered;
import dev.weir.cluster.transport.ClusterTransport;
import dev.weir.cluster.transport.ControlFraming;
import dev.weir.cluster.transport.HandshakeException;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's side of membership: registers its slots with the coordinator, sends a heartbeat (with
 * its running tasks) every interval, and fences itself once the coordinator is lost: when the
 * control connection closes, or when the coordinator has not answered for the heartbeat timeout.
 * Fencing happens once; the worker's tasks must then stop, so nothing of a job the coordinator
 * moved elsewhere commits here. Any thread; its handlers run on Netty's event loop.
 */
public final class WorkerMembership implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(WorkerMembership.class);

  private final Channel channel;
  private final String workerId;
  private final HeartbeatSettings heartbeats;
  private final Supplier<List<RunningTask>> running;
  private final Consumer<String> onFenced;
  private final AtomicBoolean ended = new AtomicBoolean();
  private final CompletableFuture<WorkerRegistered> registered;
  private volatile long lastHeardNanos;
  private volatile String fencedBecause;
  private ScheduledFuture<?> beat;

  private WorkerMembership(
      Channel channel,
      WorkerRegistered registration,
      CompletableFuture<WorkerRegistered> registered,
      Supplier<List<RunningTask>> running,
      Consumer<String> onFenced) {
    this.channel = channel;
    this.workerId = registration.getWorkerId();
    this.heartbeats =
        new HeartbeatSettings(
            Duration.ofMillis(registration.getHeartbeatIntervalMillis()),
            Duration.ofMillis(registration.getHeartbeatTimeoutMillis()));
    this.registered = registered;
    this.running = running;
    this.onFenced = onFenced;
    this.lastHeardNanos = System.nanoTime();
  }

  /**
   * Connects to the coordinator at {@code host:port}, registers {@code offer} and starts the
   * heartbeats; the coordinator's settings apply.
   *
   * @param running the tasks this worker runs, listed in each heartbeat (any thread)
   * @param onFenced called once, with the reason, when the coordinator is lost (on an event loop:
   *     must not block)
   * @throws HandshakeException if the coordinator cannot be reached, refuses this worker, or does
   *     not answer the registration within {@code timeout}
   */
  public static WorkerMembership join(
      ClusterTransport transport,
      String host,
      int port,
      Duration timeout,
      RegisterWorker offer,
      Supplier<List<RunningTask>> running,
      Consumer<String> onFenced)
      throws InterruptedException {
    return join(transport, host, port, timeout, offer, running, onFenced, null);
  }

  /**
   * As above; {@code jobMessages} (if not {@code null}) receives the coordinator's messages that
   * membership does not handle, and may answer on their channel.
   */
  public static WorkerMembership join(
      ClusterTransport transport,
      String host,
      int port,
      Duration timeout,
      RegisterWorker offer,
      Supplier<List<RunningTask>> running,
      Consumer<String> onFenced,
      ChannelHandler jobMessages)
      throws InterruptedException {
    CompletableFuture<WorkerRegistered> registered = new CompletableFuture<>();
    WorkerMembership[] self = new WorkerMembership[1];
    ClusterTransport.Connection c =
        transport.connect(
            host,
            port,
            timeout,
            (pipeline, peer) ->
                ControlFraming.install(
                    pipeline,
                    ControlFraming.DEFAULT_MAX_FRAME_BYTES,
                    handlers(
                        jobMessages,
                        new SimpleChannelInboundHandler<ControlMessage>() {
                          @Override
                          protected void channelRead0(ChannelHandlerContext ctx, ControlMessage m) {
                            if (m.hasWorkerRegistered()) {
                              registered.complete(m.getWorkerRegistered());
                            } else if (m.hasHeartbeat() && self[0] != null) {
                              self[0].lastHeardNanos = System.nanoTime();
                            } else {
                              ctx.fireChannelRead(m);
                            }
                          }

                          @Override
                          public void channelInactive(ChannelHandlerContext ctx) throws Exception {
                            registered.completeExceptionally(
                                new HandshakeException(
                                    "the coordinator at "
                                        + host
                                        + ":"
                                        + port
                                        + " closed the connection before accepting the registration"
                                        + " (see its log)"));
                            WorkerMembership m = self[0];
                            if (m != null) {
                              m.fence("the control connection to the coordinator closed");
                            }
                            super.channelInactive(ctx);
                          }
                        })));
    c.channel().writeAndFlush(ControlMessage.newBuilder().setRegisterWorker(offer).build());
    WorkerRegistered registration;
    try {
      registration = registered.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      c.channel().close();
      throw (HandshakeException) e.getCause();
    } catch (TimeoutException e) {
      c.channel().close();
      throw new HandshakeException(
          "the coordinator at "
              + host
              + ":"
              + port
              + " did not answer the registration within "
              + timeout.toMillis()
              + " ms");
    }
    WorkerMembership m =
        new WorkerMembership(c.channel(), registration, registered, running, onFenced);
    self[0] = m;
    m.start();
    LOG.info(
        "registered with the coordinator at {}:{} as {} ({} slots)",
        host,
        port,
        m.workerId,
        offer.getSlots());
    return m;
  }

  private static ChannelHandler[] handlers(ChannelHandler jobMessages, ChannelHandler membership) {
    return jobMessages == null
        ? new ChannelHandler[] {membership}
        : new ChannelHandler[] {membership, jobMessages};
  }

  private void start() {
    long every = heartbeats.interval().toMillis();
    beat = channel.eventLoop().scheduleAtFixedRate(this::beat, every, every, TimeUnit.MILLISECONDS);
    if (!channel.isActive()) {
      fence("the control connection to the coordinator closed");
    }
  }

  /** Event loop. */
  private void beat() {
    long silentNanos = System.nanoTime() - lastHeardNanos;
    if (silentNanos > heartbeats.timeout().toNanos()) {
      fence(
          "the coordinator has not answered for "
              + silentNanos / 1_000_000
              + " ms (timeout "
              + heartbeats.timeout().toMillis()
              + " ms)");
      return;
    }
    channel.writeAndFlush(
        ControlMessage.newBuilder()
            .setHeartbeat(Heartbeat.newBuilder().setWorkerId(workerId).addAllRunning(running.get()))
            .build());
  }

  private void fence(String why) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    fencedBecause = why;
    if (beat != null) {
      beat.cancel(false);
    }
    channel.close();
    LOG.error("worker {} fences itself: {}; its tasks stop", workerId, why);
    onFenced.accept(why);
  }

  /** The id the coordinator gave this worker. */
  public String workerId() {
    return workerId;
  }

  /** The heartbeat settings the coordinator gave. */
  public HeartbeatSettings heartbeats() {
    return heartbeats;
  }

  /** Why this worker fenced itself, or {@code null} while it has not. */
  public String fencedBecause() {
    return fencedBecause;
  }

  /** Leaves the cluster: stops the heartbeats and closes the connection (no fencing callback). */
  @Override
  public void close() {
    if (ended.compareAndSet(false, true)) {
      if (beat != null) {
        beat.cancel(false);
      }
      channel.close().syncUninterruptibly();
    }
    registered.cancel(false);
  }
}
