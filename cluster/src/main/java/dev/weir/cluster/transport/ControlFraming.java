package dev.weir.cluster.transport;

import dev.weir.cluster.protocol.v1.ControlMessage;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.protobuf.ProtobufDecoder;
import io.netty.handler.codec.protobuf.ProtobufEncoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane's framing on an authenticated connection: one {@link ControlMessage} per frame,
 * a 4-byte length before it. A frame longer than the limit closes the connection (its length is
 * checked before a byte of it is buffered); so does a frame that is not a valid message.
 */
public final class ControlFraming {

  /** Frames up to this size by default: a job graph travels as one message. */
  public static final int DEFAULT_MAX_FRAME_BYTES = 64 << 20;

  private static final Logger LOG = LoggerFactory.getLogger(ControlFraming.class);

  private ControlFraming() {}

  /**
   * Adds the framing and then {@code messages} in order (they receive {@link ControlMessage}s; what
   * one does not handle it passes on to the next).
   */
  public static void install(
      ChannelPipeline pipeline, int maxFrameBytes, ChannelHandler... messages) {
    pipeline.addLast("frame-decoder", new LengthFieldBasedFrameDecoder(maxFrameBytes, 0, 4, 0, 4));
    pipeline.addLast("message-decoder", new ProtobufDecoder(ControlMessage.getDefaultInstance()));
    pipeline.addLast("frame-encoder", new LengthFieldPrepender(4));
    pipeline.addLast("message-encoder", new ProtobufEncoder());
    for (int i = 0; i < messages.length; i++) {
      pipeline.addLast(i == 0 ? "messages" : "messages-" + i, messages[i]);
    }
    pipeline.addLast("close-on-error", new CloseOnError());
  }

  /** The last handler: a frame too long or not a message, or an unhandled error, closes. */
  private static final class CloseOnError extends ChannelInboundHandlerAdapter {
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.warn(
          "closing the control connection with {}: {}",
          ctx.channel().remoteAddress(),
          cause.toString());
      ctx.close();
    }
  }
}
