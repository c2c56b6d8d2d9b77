package dev.weir.cluster.exchange;

import dev.weir.cluster.transport.ClusterTransport;
import dev.weir.cluster.transport.PeerIdentity;
import dev.weir.cluster.transport.PeerRole;
import dev.weir.cluster.transport.WorkerAddress;
import dev.weir.engine.exchange.RemoteInputChannel;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The data plane of one worker: the port other workers read its result partitions from, and one
 * connection per other worker for the channels between them (whichever side opened it first; the
 * opener names its own data address in its first frame, so the other side reuses the connection for
 * its own requests instead of opening a second one).
 *
 * <p>Threads: {@link #openChannel} from deployment threads (it may block while connecting); the
 * rest any thread.
 */
public final class DataPlane implements AutoCloseable {

  /** Frames no longer than this: a buffer of at most {@link #MAX_BUFFER_BYTES} and its header. */
  static final int MAX_FRAME_BYTES = (4 << 20) + 64;

  /** The largest network buffer a channel may use. */
  public static final int MAX_BUFFER_BYTES = 4 << 20;

  private final ClusterTransport transport;
  private final PartitionRegistry registry;
  private final Duration connectTimeout;
  private final Map<String, DataConnection> connections = new ConcurrentHashMap<>();
  private final Object connecting = new Object();
  private volatile String advertisedHost;
  private volatile int advertisedPort;
  private ClusterTransport.Listener listener;

  /**
   * @param transport a worker's transport (its connections are authenticated by the handshake)
   * @param registry where this worker's tasks register the partitions peers may request
   */
  public DataPlane(
      ClusterTransport transport, PartitionRegistry registry, Duration connectTimeout) {
    this.transport = transport;
    this.registry = registry;
    this.connectTimeout = connectTimeout;
  }

  public PartitionRegistry registry() {
    return registry;
  }

  /**
   * Listens for other workers on {@code bindHost:port} (0: any free port); peers are told to reach
   * it at {@code advertisedHost} and the bound port.
   */
  public synchronized ClusterTransport.Listener listen(
      String bindHost, int port, String advertisedHost) {
    if (listener != null) {
      throw new IllegalStateException("the data plane listens already on " + listener.address());
    }
    listener = transport.listen(bindHost, port, Set.of(PeerRole.WORKER), this::install);
    this.advertisedHost = advertisedHost;
    this.advertisedPort = listener.address().getPort();
    return listener;
  }

  /** Where other workers reach this one. */
  public WorkerAddress address() {
    return new WorkerAddress(advertisedHost, advertisedPort);
  }

  /**
   * A channel reading {@code subpartition} of {@code id} from the worker at {@code host:port},
   * requested at once with all of its credit. If the worker cannot be reached, or refuses the
   * request, the channel fails its task when polled, naming the cause.
   */
  public RemoteInputChannel openChannel(
      String host, int port, PartitionId id, int subpartition, int credits, int bufferSize)
      throws InterruptedException {
    PendingChannel pending = prepareChannel(host, port, id, subpartition, credits, bufferSize);
    pending.request();
    return pending.channel();
  }

  /**
   * A channel as {@link #openChannel} makes it, requested only when {@link PendingChannel#request}
   * is called: a deployment prepares every channel, and requests them once every worker registered
   * its partitions.
   */
  public PendingChannel prepareChannel(
      String host, int port, PartitionId id, int subpartition, int credits, int bufferSize) {
    if (bufferSize > MAX_BUFFER_BYTES) {
      throw new IllegalArgumentException(
          "network buffers of " + bufferSize + " bytes; at most " + MAX_BUFFER_BYTES);
    }
    RemoteInputChannel input =
        new RemoteInputChannel(
            "subpartition "
                + subpartition
                + " of "
                + id
                + " from the worker at "
                + host
                + ":"
                + port,
            credits,
            bufferSize);
    return new PendingChannel(this, host, port, id, subpartition, input);
  }

  /** A channel not requested yet. */
  public record PendingChannel(
      DataPlane plane,
      String host,
      int port,
      PartitionId id,
      int subpartition,
      RemoteInputChannel channel) {

    /** Connects to the producer's worker if needed (may block) and requests the subpartition. */
    public void request() throws InterruptedException {
      DataConnection connection;
      try {
        connection = plane.connectionTo(host, port);
      } catch (RuntimeException unreachable) {
        channel.onFailure(unreachable.getMessage());
        return;
      }
      connection.open(id, subpartition, channel);
    }
  }

  private DataConnection connectionTo(String host, int port) throws InterruptedException {
    String peer = host + ":" + port;
    DataConnection existing = connections.get(peer);
    if (existing != null && existing.isOpen()) {
      return existing;
    }
    synchronized (connecting) {
      existing = connections.get(peer);
      if (existing != null && existing.isOpen()) {
        return existing;
      }
      DataConnection[] made = new DataConnection[1];
      transport.connect(
          host,
          port,
          connectTimeout,
          (pipeline, identity) -> made[0] = install(pipeline, identity, peer));
      DataConnection connection = made[0];
      connection.sayHello(advertisedHost, advertisedPort);
      connections.put(peer, connection);
      return connection;
    }
  }

  private void install(ChannelPipeline pipeline, PeerIdentity identity) {
    install(pipeline, identity, String.valueOf(identity.address()));
  }

  private DataConnection install(ChannelPipeline pipeline, PeerIdentity identity, String peer) {
    pipeline
        .channel()
        .config()
        .setWriteBufferWaterMark(new WriteBufferWaterMark(256 << 10, 1 << 20));
    pipeline.addLast(
        "frame-decoder", new LengthFieldBasedFrameDecoder(MAX_FRAME_BYTES, 0, 4, 0, 4));
    DataConnection connection =
        new DataConnection(
            registry,
            peer,
            (announced, c) -> {
              DataConnection previous = connections.putIfAbsent(announced, c);
              if (previous != null && !previous.isOpen()) {
                connections.put(announced, c);
              }
            });
    pipeline.addLast("data", connection);
    pipeline
        .channel()
        .closeFuture()
        .addListener(closed -> connections.values().removeIf(c -> c == connection));
    return connection;
  }

  /** Connections open now, to any worker. */
  public int connectionCount() {
    return (int) connections.values().stream().filter(DataConnection::isOpen).count();
  }

  /** Stops listening and closes the connections to other workers. */
  @Override
  public synchronized void close() {
    if (listener != null) {
      listener.close();
    }
    for (DataConnection c : connections.values()) {
      c.close();
    }
    connections.clear();
  }
}
