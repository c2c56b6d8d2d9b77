package dev.weir.cluster.exchange;

import dev.weir.engine.exchange.ExchangeEvent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * The frames of a data connection, version 1 (the handshake fixed the protocol version): a 4-byte
 * length, then a type byte, the receiver (the consumer's number for one channel on this connection)
 * and the type's payload. Buffers travel as their bytes; events, requests and credit as a few fixed
 * fields. Reading checks every length against the frame before using it; a frame that does not
 * parse ends the connection.
 */
final class DataFrames {

  /** Connector to acceptor, first: the data address the connector listens on (host, port). */
  static final byte HELLO = 1;

  /** Consumer to producer: a subpartition of a partition, and the initial credit. */
  static final byte REQUEST = 2;

  /** Consumer to producer: room for more buffers. */
  static final byte CREDIT = 3;

  /** Producer to consumer: one buffer's bytes. */
  static final byte BUFFER = 4;

  /** Producer to consumer: an event in line with the buffers. */
  static final byte EVENT = 5;

  /** Producer to consumer: the request failed or the subpartition can send no more; a message. */
  static final byte ERROR = 6;

  /** Consumer to producer: the channel is gone, send nothing more. */
  static final byte CANCEL = 7;

  /** Type byte and receiver. */
  static final int HEADER_BYTES = 5;

  private static final byte WATERMARK = 1;
  private static final byte WATERMARK_STATUS = 2;
  private static final byte END_OF_INPUT = 3;
  private static final byte BARRIER = 4;
  private static final byte CANCEL_CHECKPOINT = 5;

  private static final int MAX_MESSAGE_BYTES = 8192;

  private DataFrames() {}

  /** Starts a frame with room for {@code payload} bytes; {@link #finish} writes its length. */
  static ByteBuf start(ByteBufAllocator alloc, byte type, int receiver, int payload) {
    ByteBuf out = alloc.directBuffer(4 + HEADER_BYTES + payload);
    out.writeInt(0);
    out.writeByte(type);
    out.writeInt(receiver);
    return out;
  }

  static ByteBuf finish(ByteBuf frame) {
    frame.setInt(0, frame.readableBytes() - 4);
    return frame;
  }

  static ByteBuf hello(ByteBufAllocator alloc, String host, int port) {
    ByteBuf out = start(alloc, HELLO, 0, 64);
    writeString(out, host);
    out.writeInt(port);
    return finish(out);
  }

  static ByteBuf request(
      ByteBufAllocator alloc, int receiver, PartitionId id, int subpartition, int credits) {
    ByteBuf out = start(alloc, REQUEST, receiver, 64);
    id.writeTo(out);
    out.writeInt(subpartition);
    out.writeInt(credits);
    return finish(out);
  }

  static ByteBuf credit(ByteBufAllocator alloc, int receiver, int credits) {
    ByteBuf out = start(alloc, CREDIT, receiver, 4);
    out.writeInt(credits);
    return finish(out);
  }

  static ByteBuf buffer(ByteBufAllocator alloc, int receiver, byte[] bytes, int length) {
    ByteBuf out = start(alloc, BUFFER, receiver, length);
    out.writeBytes(bytes, 0, length);
    return finish(out);
  }

  static ByteBuf event(ByteBufAllocator alloc, int receiver, ExchangeEvent event) {
    ByteBuf out = start(alloc, EVENT, receiver, 26);
    if (event instanceof ExchangeEvent.Watermark w) {
      out.writeByte(WATERMARK);
      out.writeLong(w.timestamp());
    } else if (event instanceof ExchangeEvent.WatermarkStatus s) {
      out.writeByte(WATERMARK_STATUS);
      out.writeBoolean(s.idle());
    } else if (event instanceof ExchangeEvent.EndOfInput) {
      out.writeByte(END_OF_INPUT);
    } else if (event instanceof ExchangeEvent.CheckpointBarrier b) {
      out.writeByte(BARRIER);
      out.writeLong(b.checkpointId());
      out.writeLong(b.timestamp());
      out.writeByte((b.savepoint() ? 1 : 0) | (b.stopSources() ? 2 : 0));
    } else if (event instanceof ExchangeEvent.CancelCheckpoint c) {
      out.writeByte(CANCEL_CHECKPOINT);
      out.writeLong(c.checkpointId());
    } else {
      out.release();
      throw new IllegalArgumentException("no frame for event " + event);
    }
    return finish(out);
  }

  static ByteBuf error(ByteBufAllocator alloc, int receiver, String message) {
    ByteBuf out = start(alloc, ERROR, receiver, 64);
    writeString(out, message);
    return finish(out);
  }

  static ByteBuf cancel(ByteBufAllocator alloc, int receiver) {
    return finish(start(alloc, CANCEL, receiver, 0));
  }

  /** Reads the event of an {@link #EVENT} frame's payload; nothing may follow it. */
  static ExchangeEvent readEvent(ByteBuf in) {
    require(in, 1, "event type");
    byte type = in.readByte();
    ExchangeEvent event =
        switch (type) {
          case WATERMARK -> {
            require(in, 8, "watermark");
            yield new ExchangeEvent.Watermark(in.readLong());
          }
          case WATERMARK_STATUS -> {
            require(in, 1, "watermark status");
            yield in.readBoolean()
                ? ExchangeEvent.WatermarkStatus.IDLE
                : ExchangeEvent.WatermarkStatus.ACTIVE;
          }
          case END_OF_INPUT -> ExchangeEvent.EndOfInput.INSTANCE;
          case BARRIER -> {
            require(in, 17, "checkpoint barrier");
            long id = in.readLong();
            long timestamp = in.readLong();
            int flags = in.readByte();
            if ((flags & ~3) != 0) {
              throw new MalformedFrameException("unknown barrier flags " + flags);
            }
            yield new ExchangeEvent.CheckpointBarrier(
                id, timestamp, (flags & 1) != 0, (flags & 2) != 0);
          }
          case CANCEL_CHECKPOINT -> {
            require(in, 8, "checkpoint id");
            yield new ExchangeEvent.CancelCheckpoint(in.readLong());
          }
          default -> throw new MalformedFrameException("unknown event type " + type);
        };
    requireEnd(in, "event");
    return event;
  }

  static void writeString(ByteBuf out, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    int length = Math.min(bytes.length, MAX_MESSAGE_BYTES);
    out.writeShort(length);
    out.writeBytes(bytes, 0, length);
  }

  static String readString(ByteBuf in, String what) {
    require(in, 2, what + " length");
    int length = in.readUnsignedShort();
    if (length > MAX_MESSAGE_BYTES) {
      throw new MalformedFrameException(what + " of " + length + " bytes");
    }
    require(in, length, what);
    return in.readCharSequence(length, StandardCharsets.UTF_8).toString();
  }

  /** Fails unless {@code bytes} more can be read from the frame. */
  static void require(ByteBuf in, int bytes, String what) {
    if (in.readableBytes() < bytes) {
      throw new MalformedFrameException(
          "the frame ends before its " + what + " (" + in.readableBytes() + " bytes left)");
    }
  }

  static void requireEnd(ByteBuf in, String what) {
    if (in.isReadable()) {
      throw new MalformedFrameException(in.readableBytes() + " bytes after the " + what);
    }
  }

  /** A frame that does not parse: its connection is closed. */
  static final class MalformedFrameException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    MalformedFrameException(String message) {
      super(message);
    }
  }
}
