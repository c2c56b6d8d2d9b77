package dev.weir.benchmarks.cluster;

import dev.weir.cluster.exchange.DataPlane;
import dev.weir.cluster.exchange.PartitionId;
import dev.weir.cluster.exchange.PartitionRegistry;
import dev.weir.cluster.transport.ClusterSecret;
import dev.weir.cluster.transport.ClusterTransport;
import dev.weir.cluster.transport.PeerRole;
import dev.weir.engine.exchange.BufferOrEvent;
import dev.weir.engine.exchange.ExchangeEvent;
import dev.weir.engine.exchange.FlushDeadline;
import dev.weir.engine.exchange.NetworkBuffer;
import dev.weir.engine.exchange.RecordWriter;
import dev.weir.engine.exchange.RemoteInputChannel;
import dev.weir.engine.exchange.ResultPartition;
import dev.weir.engine.serialization.KryoSerializer;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The raw throughput of one remote channel, beside its limit: 1 KiB records written by a {@link
 * RecordWriter} into 32 KiB buffers, sent by one worker's {@link DataPlane} against the credit of a
 * {@link RemoteInputChannel} on another (two data planes in this JVM, over loopback TCP), the
 * consumer only counting and recycling the buffers; beside a plain Netty connection over which the
 * same number of 32 KiB buffers is written as fast as the socket takes them (copied from a heap
 * array into a pooled buffer, as the data plane does), the receiver counting bytes.
 */
public final class ExchangeThroughput {

  private static final int BUFFER_SIZE = 32 * 1024;
  private static final int RECORD = 1024;
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final ClusterSecret SECRET =
      ClusterSecret.of("exchange benchmark secret".getBytes(StandardCharsets.UTF_8));

  private ExchangeThroughput() {}

  /** MB/s (10^6 bytes) of buffer payload over one remote channel, for {@code bytes} of records. */
  public static double remoteChannel(long bytes) throws Exception {
    try (ClusterTransport producerTransport =
            new ClusterTransport(PeerRole.WORKER, SECRET, TIMEOUT, 1);
        ClusterTransport consumerTransport =
            new ClusterTransport(PeerRole.WORKER, SECRET, TIMEOUT, 1);
        DataPlane producer = new DataPlane(producerTransport, new PartitionRegistry(), TIMEOUT);
        DataPlane consumer = new DataPlane(consumerTransport, new PartitionRegistry(), TIMEOUT)) {
      producer.listen("127.0.0.1", 0, "127.0.0.1");
      consumer.listen("127.0.0.1", 0, "127.0.0.1");
      PartitionId id = new PartitionId("bench", 1, "payload#0");
      ResultPartition partition = new ResultPartition(id.partition(), 1, BUFFER_SIZE, 4);
      producer.registry().register(id, partition);
      RemoteInputChannel channel =
          consumer.openChannel("127.0.0.1", producer.address().port(), id, 0, 4, BUFFER_SIZE);
      RecordWriter<byte[]> writer =
          new RecordWriter<>(
              partition,
              new KryoSerializer<>(byte[].class),
              record -> 0,
              -1,
              new FlushDeadline(),
              () -> false);
      long records = bytes / RECORD;
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread writing =
          new Thread(
              () -> {
                try {
                  byte[] payload = new byte[RECORD];
                  for (long i = 0; i < records; i++) {
                    writer.emit(payload);
                  }
                  writer.flushAll();
                  writer.broadcastEvent(ExchangeEvent.EndOfInput.INSTANCE);
                } catch (Throwable e) {
                  failure.set(e);
                }
              },
              "exchange-bench-producer");
      long start = System.nanoTime();
      writing.start();
      long received = 0;
      long deadline = start + TimeUnit.MINUTES.toNanos(5);
      while (true) {
        BufferOrEvent next = channel.poll();
        if (next == null) {
          if (failure.get() != null || System.nanoTime() > deadline) {
            throw new IllegalStateException("the producer failed or stalled", failure.get());
          }
          Thread.onSpinWait();
          continue;
        }
        if (next instanceof NetworkBuffer b) {
          received += b.size();
          channel.consumed(b);
        } else if (next instanceof ExchangeEvent.EndOfInput) {
          break;
        }
      }
      long elapsed = System.nanoTime() - start;
      writing.join();
      channel.release();
      return received / 1e6 / (elapsed / 1e9);
    }
  }

  /** MB/s of a plain Netty connection over loopback writing {@code bytes} in 32 KiB buffers. */
  public static double plainNetty(long bytes) throws Exception {
    EventLoopGroup loops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    try {
      AtomicLong received = new AtomicLong();
      CountDownLatch done = new CountDownLatch(1);
      Channel server =
          new ServerBootstrap()
              .group(loops)
              .channel(NioServerSocketChannel.class)
              .childOption(ChannelOption.TCP_NODELAY, true)
              .childHandler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                      ch.pipeline()
                          .addLast(
                              new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                  ByteBuf buf = (ByteBuf) msg;
                                  if (received.addAndGet(buf.readableBytes()) >= bytes) {
                                    done.countDown();
                                  }
                                  buf.release();
                                }
                              });
                    }
                  })
              .bind("127.0.0.1", 0)
              .sync()
              .channel();
      Sender sender = new Sender(bytes);
      Channel client =
          new Bootstrap()
              .group(loops)
              .channel(NioSocketChannel.class)
              .option(ChannelOption.TCP_NODELAY, true)
              .handler(sender)
              .connect(server.localAddress())
              .sync()
              .channel();
      long start = System.nanoTime();
      client.eventLoop().execute(sender::send);
      if (!done.await(5, TimeUnit.MINUTES)) {
        throw new IllegalStateException("the plain Netty transfer stalled");
      }
      long elapsed = System.nanoTime() - start;
      client.close().sync();
      server.close().sync();
      return received.get() / 1e6 / (elapsed / 1e9);
    } finally {
      loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
    }
  }

  /** Writes 32 KiB buffers while the socket is writable, on the event loop. */
  private static final class Sender extends ChannelInboundHandlerAdapter {
    private final long bytes;
    private final byte[] payload = new byte[BUFFER_SIZE];
    private long sent;
    private Channel channel;

    Sender(long bytes) {
      this.bytes = bytes;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      channel = ctx.channel();
    }

    void send() {
      boolean wrote = false;
      while (sent < bytes && channel.isWritable()) {
        channel.write(
            channel.alloc().buffer(BUFFER_SIZE).writeBytes(payload), channel.voidPromise());
        sent += BUFFER_SIZE;
        wrote = true;
      }
      if (wrote) {
        channel.flush();
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable()) {
        send();
      }
    }
  }
}
