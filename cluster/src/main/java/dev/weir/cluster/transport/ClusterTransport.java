package dev.weir.cluster.transport;

import dev.weir.cluster.transport.Handshake.Side;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The network of one Weir process: its Netty event loops, the ports it listens on and the
 * connections it opens, every one authenticated by the {@link Handshake} before a byte of it is
 * decoded. User code never runs on these threads. {@link #close} releases the ports and the
 * threads. Any thread.
 */
public final class ClusterTransport implements AutoCloseable {

  /** The protocol version this release speaks; peers of another version are refused. */
  public static final int PROTOCOL_VERSION = 1;

  private final PeerRole role;
  private final ClusterSecret secret;
  private final ClusterTls tls;
  private final Duration handshakeTimeout;
  private final int protocolVersion;
  private final EventLoopGroup loops;

  /** Every port and connection of this process, closed first when it closes. */
  private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

  /**
   * @param role what this process is, told to every peer
   * @param ioThreads event-loop threads
   */
  public ClusterTransport(
      PeerRole role, ClusterSecret secret, Duration handshakeTimeout, int ioThreads) {
    this(role, secret, ClusterTls.NONE, handshakeTimeout, ioThreads);
  }

  /**
   * @param role what this process is, told to every peer
   * @param tls TLS on every connection, or {@link ClusterTls#NONE}
   * @param ioThreads event-loop threads
   */
  public ClusterTransport(
      PeerRole role,
      ClusterSecret secret,
      ClusterTls tls,
      Duration handshakeTimeout,
      int ioThreads) {
    this(role, secret, tls, handshakeTimeout, ioThreads, PROTOCOL_VERSION);
  }

  /** With another protocol version: for tests of version checks only. */
  ClusterTransport(
      PeerRole role,
      ClusterSecret secret,
      Duration handshakeTimeout,
      int ioThreads,
      int protocolVersion) {
    this(role, secret, ClusterTls.NONE, handshakeTimeout, ioThreads, protocolVersion);
  }

  private ClusterTransport(
      PeerRole role,
      ClusterSecret secret,
      ClusterTls tls,
      Duration handshakeTimeout,
      int ioThreads,
      int protocolVersion) {
    this.role = role;
    this.secret = secret;
    this.tls = tls;
    this.handshakeTimeout = handshakeTimeout;
    this.protocolVersion = protocolVersion;
    this.loops =
        new MultiThreadIoEventLoopGroup(
            ioThreads,
            new DefaultThreadFactory("weir-" + role + "-io", true),
            NioIoHandler.newFactory());
  }

  /**
   * A port this process listens on; closing it stops accepting (open connections stay). Counts the
   * connections it refused (each is also logged with its cause).
   */
  public record Listener(Channel channel, InetSocketAddress address, AtomicLong refused)
      implements AutoCloseable {

    /** Connections whose handshake failed: wrong secret, version or role, timeout, garbage. */
    public long refusedConnections() {
      return refused.get();
    }

    /** Stops listening; nothing to do once the transport closed it. */
    @Override
    public void close() {
      if (channel.isOpen() && !channel.eventLoop().isShuttingDown()) {
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
      }
    }
  }

  /** An authenticated connection and who is at its other end. */
  public record Connection(Channel channel, PeerIdentity peer) {}

  /**
   * Listens on {@code bindHost:port} (0: any free port) for peers of the {@code accepted} roles;
   * each authenticated connection gets its handlers from {@code authenticated}. Without a secret
   * only a loopback address may be bound.
   *
   * @throws IllegalArgumentException for a port in use, or a non-loopback address without secret
   */
  public Listener listen(
      String bindHost, int port, Set<PeerRole> accepted, ConnectionSetup authenticated) {
    InetAddress address;
    try {
      address = InetAddress.getByName(bindHost);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("cannot bind to " + bindHost + ": unknown host", e);
    }
    if (secret.isNone() && !address.isLoopbackAddress()) {
      throw new IllegalArgumentException(
          "refusing to listen on "
              + bindHost
              + " without a secret: anyone who reaches it could run code here; give a --secret-file"
              + " (mode 600) or bind to 127.0.0.1");
    }
    AtomicLong refused = new AtomicLong();
    ServerBootstrap server =
        new ServerBootstrap()
            .group(loops)
            .channel(NioServerSocketChannel.class)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    channels.add(ch);
                    if (tls.isEnabled()) {
                      ch.pipeline().addLast("tls", tls.acceptorHandler(ch.alloc()));
                    }
                    HandshakeHandler handshake =
                        new HandshakeHandler(
                            Side.ACCEPTOR,
                            secret,
                            role,
                            protocolVersion,
                            accepted,
                            handshakeTimeout,
                            authenticated);
                    ch.pipeline().addLast("handshake", handshake);
                    handshake
                        .result()
                        .addListener(
                            done -> {
                              if (!done.isSuccess()) {
                                refused.incrementAndGet();
                              }
                            });
                  }
                });
    ChannelFuture bound = server.bind(new InetSocketAddress(address, port)).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      Throwable cause = bound.cause();
      if (cause instanceof BindException) {
        throw new IllegalArgumentException(
            "cannot listen on "
                + bindHost
                + ":"
                + port
                + ": "
                + cause.getMessage()
                + "; is another process using the port? Choose another with --port",
            cause);
      }
      throw new IllegalStateException(
          "cannot listen on " + bindHost + ":" + port + ": " + cause, cause);
    }
    channels.add(bound.channel());
    return new Listener(
        bound.channel(), (InetSocketAddress) bound.channel().localAddress(), refused);
  }

  /**
   * Connects to {@code host:port} and authenticates, within {@code timeout} for both.
   *
   * @throws HandshakeException if the peer is unreachable, of another version, or refuses the
   *     secret; the message names the address and the fix
   */
  public Connection connect(String host, int port, Duration timeout, ConnectionSetup authenticated)
      throws InterruptedException {
    HandshakeHandler handshake =
        new HandshakeHandler(
            Side.CONNECTOR,
            secret,
            role,
            protocolVersion,
            Set.of(),
            handshakeTimeout,
            authenticated);
    Bootstrap client =
        new Bootstrap()
            .group(loops)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    if (tls.isEnabled()) {
                      ch.pipeline().addLast("tls", tls.connectorHandler(ch.alloc(), host, port));
                    }
                    ch.pipeline().addLast("handshake", handshake);
                  }
                });
    ChannelFuture connected = client.connect(host, port);
    channels.add(connected.channel());
    if (!connected.await(timeout.toMillis(), TimeUnit.MILLISECONDS) || !connected.isSuccess()) {
      connected.channel().close();
      Throwable cause = connected.cause();
      throw new HandshakeException(
          "cannot reach "
              + host
              + ":"
              + port
              + " within "
              + timeout.toMillis()
              + " ms"
              + (cause == null ? "" : ": " + cause.getMessage())
              + "; is the address right and the process running?");
    }
    Future<PeerIdentity> result = handshake.result();
    try {
      PeerIdentity peer = result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return new Connection(connected.channel(), peer);
    } catch (ExecutionException e) {
      connected.channel().close();
      throw e.getCause() instanceof HandshakeException h
          ? new HandshakeException(h.getMessage(), h.refused())
          : new HandshakeException(
              "the handshake with " + host + ":" + port + " failed: " + e.getCause());
    } catch (TimeoutException e) {
      connected.channel().close();
      throw new HandshakeException(
          "no handshake with " + host + ":" + port + " within " + timeout.toMillis() + " ms");
    }
  }

  /** Closes every port and connection and stops the event loops (bounded wait). */
  @Override
  public void close() {
    boolean onOwnLoop = false;
    for (EventExecutor loop : loops) {
      onOwnLoop |= loop.inEventLoop();
    }
    if (onOwnLoop) {
      // Called back on one of its own loops (say when a job's end arrives): waiting here would
      // hold up the very loop that has to stop, so start closing and return.
      channels.close();
      loops.shutdownGracefully(0, 2, TimeUnit.SECONDS);
      return;
    }
    // Peers see the connections close now, not whenever the event loops get to it.
    channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
  }
}
