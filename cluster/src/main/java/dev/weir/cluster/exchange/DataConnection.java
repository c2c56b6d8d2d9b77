package dev.weir.cluster.exchange;

import dev.weir.engine.exchange.BufferOrEvent;
import dev.weir.engine.exchange.ExchangeEvent;
import dev.weir.engine.exchange.NetworkBuffer;
import dev.weir.engine.exchange.RemoteInputChannel;
import dev.weir.engine.exchange.Subpartition;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One authenticated data connection between two workers, carrying every channel between them in
 * both directions: the channels this worker consumes from the peer (inbound, fed from {@link
 * DataFrames#BUFFER} and {@link DataFrames#EVENT} frames) and the subpartitions the peer consumes
 * from this worker (outbound, sent against the peer's credit).
 *
 * <p>Outbound: a subpartition's data listener schedules a drain on the event loop, which writes
 * what the subpartition gives (it gives buffers only against credit), copies each buffer into a
 * frame and recycles it into the producer's pool at once, and stops while the socket is not
 * writable. So what is in flight is bounded by the consumer's credit.
 *
 * <p>Threads: frames are handled on the connection's event loop; {@link #open} and the channels'
 * credit announcements come from task or deployment threads and only write to the channel, which
 * Netty hands to the event loop.
 */
final class DataConnection extends SimpleChannelInboundHandler<ByteBuf> {

  private static final Logger LOG = LoggerFactory.getLogger(DataConnection.class);

  private final PartitionRegistry registry;
  private final String peer;

  /** Called once the peer said which data address it listens on (its HELLO). */
  private final BiConsumer<String, DataConnection> helloReceived;

  private final Map<Integer, RemoteInputChannel> inbound = new ConcurrentHashMap<>();
  private final AtomicInteger nextReceiver = new AtomicInteger(1);

  /** Event loop only. */
  private final Map<Integer, Outbound> outbound = new HashMap<>();

  private volatile Channel channel;

  DataConnection(
      PartitionRegistry registry, String peer, BiConsumer<String, DataConnection> helloReceived) {
    this.registry = registry;
    this.peer = peer;
    this.helloReceived = helloReceived;
  }

  String peer() {
    return peer;
  }

  boolean isOpen() {
    Channel c = channel;
    return c != null && c.isActive();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
  }

  /** Closes the connection: both sides fail the channels it carried. Any thread. */
  void close() {
    Channel c = channel;
    if (c != null && c.isOpen() && !c.eventLoop().isShuttingDown()) {
      c.close();
    }
  }

  /** Sends this worker's data address: the first frame of a connection this worker opened. */
  void sayHello(String host, int port) {
    Channel c = channel;
    c.writeAndFlush(DataFrames.hello(c.alloc(), host, port));
  }

  /**
   * Asks the peer for {@code subpartition} of {@code id} on behalf of {@code input}: the request
   * carries all of the channel's credit.
   */
  void open(PartitionId id, int subpartition, RemoteInputChannel input) {
    Channel c = channel;
    int receiver = nextReceiver.getAndIncrement();
    inbound.put(receiver, input);
    input.connect(
        new RemoteInputChannel.ProducerLink() {
          @Override
          public void announceCredit(int credits) {
            if (c.isActive()) {
              c.writeAndFlush(DataFrames.credit(c.alloc(), receiver, credits));
            }
          }

          @Override
          public void cancel() {
            if (inbound.remove(receiver) != null && c.isActive()) {
              c.writeAndFlush(DataFrames.cancel(c.alloc(), receiver));
            }
          }
        });
    c.writeAndFlush(DataFrames.request(c.alloc(), receiver, id, subpartition, input.credits()))
        .addListener(
            written -> {
              if (!written.isSuccess()) {
                inbound.remove(receiver);
                input.onFailure("cannot send the request to " + peer + ": " + written.cause());
              }
            });
    if (!c.isActive()) {
      inbound.remove(receiver);
      input.onFailure("the connection to the worker at " + peer + " is closed");
    }
  }

  // ---- frames ----

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
    DataFrames.require(frame, DataFrames.HEADER_BYTES, "header");
    byte type = frame.readByte();
    int receiver = frame.readInt();
    switch (type) {
      case DataFrames.BUFFER -> onBuffer(receiver, frame);
      case DataFrames.EVENT -> onEvent(receiver, frame);
      case DataFrames.CREDIT -> onCredit(ctx, receiver, frame);
      case DataFrames.REQUEST -> onRequest(ctx, receiver, frame);
      case DataFrames.ERROR -> onError(receiver, frame);
      case DataFrames.CANCEL -> onCancel(receiver, frame);
      case DataFrames.HELLO -> onHello(frame);
      default -> throw new DataFrames.MalformedFrameException("unknown frame type " + type);
    }
  }

  private void onBuffer(int receiver, ByteBuf frame) {
    RemoteInputChannel input = inbound.get(receiver);
    if (input == null) {
      return; // cancelled by its task: what was in flight is dropped
    }
    int length = frame.readableBytes();
    NetworkBuffer buffer = input.bufferForIncoming(length);
    if (buffer == null) {
      return; // released
    }
    frame.readBytes(buffer.memory(), 0, length);
    input.onBuffer(buffer, length);
  }

  private void onEvent(int receiver, ByteBuf frame) {
    ExchangeEvent event = DataFrames.readEvent(frame);
    RemoteInputChannel input = inbound.get(receiver);
    if (input != null) {
      input.onEvent(event);
      if (event instanceof ExchangeEvent.EndOfInput) {
        inbound.remove(receiver);
      }
    }
  }

  private void onError(int receiver, ByteBuf frame) {
    String message = DataFrames.readString(frame, "error message");
    DataFrames.requireEnd(frame, "error message");
    RemoteInputChannel input = inbound.remove(receiver);
    if (input != null) {
      input.onFailure("the worker at " + peer + " answered: " + message);
    }
  }

  private void onHello(ByteBuf frame) {
    String host = DataFrames.readString(frame, "host");
    DataFrames.require(frame, 4, "port");
    int port = frame.readInt();
    DataFrames.requireEnd(frame, "hello");
    helloReceived.accept(host + ":" + port, this);
  }

  private void onRequest(ChannelHandlerContext ctx, int receiver, ByteBuf frame) {
    PartitionId id = PartitionId.readFrom(frame);
    DataFrames.require(frame, 8, "subpartition and credit");
    int index = frame.readInt();
    int credits = frame.readInt();
    DataFrames.requireEnd(frame, "request");
    if (credits < 0 || outbound.containsKey(receiver)) {
      throw new DataFrames.MalformedFrameException(
          "request " + receiver + " repeated or with negative credit " + credits);
    }
    Subpartition subpartition;
    try {
      subpartition = registry.claim(id, index);
    } catch (IllegalArgumentException refused) {
      LOG.warn("refusing a request of {}: {}", peer, refused.getMessage());
      ctx.writeAndFlush(DataFrames.error(ctx.alloc(), receiver, refused.getMessage()));
      return;
    }
    Outbound out = new Outbound(receiver, subpartition);
    outbound.put(receiver, out);
    subpartition.setDataListener(out::schedule);
    subpartition.addCredit(credits);
    out.schedule(); // something may be queued already
  }

  private void onCredit(ChannelHandlerContext ctx, int receiver, ByteBuf frame) {
    DataFrames.require(frame, 4, "credit");
    int credits = frame.readInt();
    DataFrames.requireEnd(frame, "credit");
    if (credits < 0) {
      throw new DataFrames.MalformedFrameException("negative credit " + credits);
    }
    Outbound out = outbound.get(receiver);
    if (out != null) {
      out.subpartition.addCredit(credits);
    }
  }

  private void onCancel(int receiver, ByteBuf frame) {
    DataFrames.requireEnd(frame, "cancel");
    Outbound out = outbound.remove(receiver);
    if (out != null) {
      out.close();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      for (Outbound out : new ArrayList<>(outbound.values())) {
        out.drain();
      }
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    for (Outbound out : outbound.values()) {
      out.close();
    }
    outbound.clear();
    for (RemoteInputChannel input : inbound.values()) {
      input.onFailure("lost the connection to the worker at " + peer);
    }
    inbound.clear();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.warn("closing the data connection with {}: {}", peer, cause.toString());
    ctx.close();
  }

  /** A subpartition the peer reads, sent on this connection. Event loop only, but schedule. */
  private final class Outbound {
    final int receiver;
    final Subpartition subpartition;
    final AtomicBoolean scheduled = new AtomicBoolean();
    boolean closed;

    Outbound(int receiver, Subpartition subpartition) {
      this.receiver = receiver;
      this.subpartition = subpartition;
    }

    /** Any thread: drains on the event loop soon, once however often it is called meanwhile. */
    void schedule() {
      if (scheduled.compareAndSet(false, true)) {
        channel.eventLoop().execute(this::drain);
      }
    }

    void drain() {
      scheduled.set(false);
      Channel c = channel;
      boolean wrote = false;
      while (!closed && c.isWritable()) {
        BufferOrEvent next = subpartition.poll();
        if (next == null) {
          break;
        }
        wrote = true;
        if (next instanceof NetworkBuffer b) {
          ByteBuf frame = DataFrames.buffer(c.alloc(), receiver, b.memory(), b.size());
          b.recycle();
          c.write(frame, c.voidPromise());
        } else {
          ExchangeEvent event = (ExchangeEvent) next;
          c.write(DataFrames.event(c.alloc(), receiver, event), c.voidPromise());
          if (event instanceof ExchangeEvent.EndOfInput) {
            outbound.remove(receiver);
            close();
          }
        }
      }
      if (wrote) {
        c.flush();
      }
    }

    void close() {
      closed = true;
      subpartition.setDataListener(null);
    }
  }
}
