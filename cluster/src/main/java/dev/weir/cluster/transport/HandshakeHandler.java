package dev.weir.cluster.transport;

import dev.weir.cluster.transport.Handshake.Preamble;
import dev.weir.cluster.transport.Handshake.Side;
import dev.weir.cluster.transport.Handshake.Verdict;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler of every connection: runs the {@link Handshake} and, once the peer proved it
 * knows the secret, installs the connection's real handlers behind itself and leaves, handing them
 * whatever bytes followed the handshake. Until then no byte is passed on, so nothing an
 * unauthenticated peer sends reaches a decoder. A handshake not done within its timeout closes the
 * connection. Runs on the channel's event loop only.
 */
final class HandshakeHandler extends ByteToMessageDecoder {

  private static final Logger LOG = LoggerFactory.getLogger(HandshakeHandler.class);

  private enum State {
    AWAIT_PREAMBLE,
    AWAIT_CONNECTOR_PROOF,
    AWAIT_VERDICT,
    AWAIT_ACCEPTOR_PROOF,
    DONE,
    FAILED
  }

  private final Side side;
  private final ClusterSecret secret;
  private final Preamble own;
  private final Set<PeerRole> accepted;
  private final Duration timeout;
  private final ConnectionSetup next;

  private State state = State.AWAIT_PREAMBLE;
  private Preamble peer;
  private Promise<PeerIdentity> result;
  private ScheduledFuture<?> deadline;

  /**
   * @param accepted the roles an acceptor takes (ignored by a connector)
   */
  HandshakeHandler(
      Side side,
      ClusterSecret secret,
      PeerRole ownRole,
      int protocolVersion,
      Set<PeerRole> accepted,
      Duration timeout,
      ConnectionSetup next) {
    this.side = side;
    this.secret = secret;
    this.own = Preamble.fresh(protocolVersion, ownRole);
    this.accepted = Set.copyOf(accepted);
    this.timeout = timeout;
    this.next = next;
  }

  /** Completes with the peer once authenticated, or fails with a {@link HandshakeException}. */
  Future<PeerIdentity> result() {
    return result;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    result = ctx.executor().newPromise();
    super.handlerAdded(ctx);
    if (ctx.channel().isActive()) {
      start(ctx);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    start(ctx);
    super.channelActive(ctx);
  }

  private void start(ChannelHandlerContext ctx) {
    if (deadline != null) {
      return;
    }
    deadline =
        ctx.executor()
            .schedule(
                () ->
                    fail(
                        ctx,
                        "no handshake within "
                            + timeout.toMillis()
                            + " ms from "
                            + ctx.channel().remoteAddress()),
                timeout.toMillis(),
                TimeUnit.MILLISECONDS);
    ByteBuf preamble = ctx.alloc().buffer(Handshake.PREAMBLE_BYTES);
    own.writeTo(preamble);
    ctx.writeAndFlush(preamble);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    switch (state) {
      case AWAIT_PREAMBLE -> {
        if (in.readableBytes() >= Handshake.PREAMBLE_BYTES) {
          onPreamble(ctx, Preamble.readFrom(in));
        }
      }
      case AWAIT_CONNECTOR_PROOF -> {
        if (in.readableBytes() >= Handshake.PROOF_BYTES) {
          onConnectorProof(ctx, readProof(in));
        }
      }
      case AWAIT_VERDICT -> {
        if (in.readableBytes() >= Handshake.VERDICT_BYTES) {
          onVerdict(ctx, in.readByte());
        }
      }
      case AWAIT_ACCEPTOR_PROOF -> {
        if (in.readableBytes() >= Handshake.PROOF_BYTES) {
          onAcceptorProof(ctx, readProof(in));
        }
      }
      case DONE, FAILED -> in.skipBytes(in.readableBytes());
    }
  }

  private static byte[] readProof(ByteBuf in) {
    byte[] proof = new byte[Handshake.PROOF_BYTES];
    in.readBytes(proof);
    return proof;
  }

  private void onPreamble(ChannelHandlerContext ctx, Preamble peer) {
    this.peer = peer;
    if (peer.protocolVersion() != own.protocolVersion()) {
      fail(
          ctx,
          peerAt(ctx)
              + " speaks cluster protocol version "
              + peer.protocolVersion()
              + ", this "
              + own.role()
              + " version "
              + own.protocolVersion()
              + "; run the same Weir release on every machine",
          true);
      return;
    }
    if (side == Side.CONNECTOR) {
      ctx.writeAndFlush(proofBuffer(ctx, Handshake.proof(secret, side, own, peer)));
      state = State.AWAIT_VERDICT;
    } else if (!accepted.contains(peer.role())) {
      refuse(ctx, Verdict.ROLE_REFUSED, "a " + peer.role() + " may not connect here");
    } else {
      state = State.AWAIT_CONNECTOR_PROOF;
    }
  }

  private void onConnectorProof(ChannelHandlerContext ctx, byte[] proof) {
    if (!Handshake.verify(secret, Side.CONNECTOR, peer, own, proof)) {
      refuse(
          ctx,
          Verdict.WRONG_SECRET,
          "it does not know this "
              + own.role()
              + "'s secret ("
              + secret
              + "); give both the same --secret-file");
      return;
    }
    ByteBuf answer = ctx.alloc().buffer(Handshake.VERDICT_BYTES + Handshake.PROOF_BYTES);
    answer.writeByte(Verdict.ACCEPTED.code);
    answer.writeBytes(Handshake.proof(secret, side, own, peer));
    ctx.writeAndFlush(answer);
    succeed(ctx);
  }

  private void onVerdict(ChannelHandlerContext ctx, byte code) {
    Verdict verdict = Verdict.ofCode(code);
    if (verdict == Verdict.ACCEPTED) {
      state = State.AWAIT_ACCEPTOR_PROOF;
      return;
    }
    String at = peerAt(ctx);
    fail(
        ctx,
        verdict == Verdict.WRONG_SECRET
            ? at
                + " refused the connection: the secrets differ (this "
                + own.role()
                + " has "
                + secret
                + "); give both the same --secret-file"
            : verdict == Verdict.ROLE_REFUSED
                ? at + " does not accept a " + own.role() + " on this port"
                : at + " answered the handshake with an unknown verdict " + code,
        true);
  }

  private void onAcceptorProof(ChannelHandlerContext ctx, byte[] proof) {
    if (!Handshake.verify(secret, Side.ACCEPTOR, peer, own, proof)) {
      fail(
          ctx,
          peerAt(ctx)
              + " could not prove it knows the secret; it is not the peer it claims to be, or its"
              + " --secret-file differs",
          true);
      return;
    }
    succeed(ctx);
  }

  /** "the worker at /127.0.0.1:4711", for messages. */
  private String peerAt(ChannelHandlerContext ctx) {
    return "the " + peer.role() + " at " + ctx.channel().remoteAddress();
  }

  private static ByteBuf proofBuffer(ChannelHandlerContext ctx, byte[] proof) {
    return ctx.alloc().buffer(proof.length).writeBytes(proof);
  }

  private void succeed(ChannelHandlerContext ctx) {
    state = State.DONE;
    deadline.cancel(false);
    PeerIdentity identity =
        new PeerIdentity(peer.role(), peer.protocolVersion(), ctx.channel().remoteAddress());
    next.install(ctx.pipeline(), identity);
    // Removing a ByteToMessageDecoder hands what it holds beyond the handshake to the new handlers.
    ctx.pipeline().remove(this);
    result.trySuccess(identity);
  }

  /** The acceptor tells the connector why before it closes, then fails like {@link #fail}. */
  private void refuse(ChannelHandlerContext ctx, Verdict verdict, String why) {
    state = State.FAILED;
    ByteBuf answer = ctx.alloc().buffer(Handshake.VERDICT_BYTES).writeByte(verdict.code);
    ctx.writeAndFlush(answer).addListener(ChannelFutureListener.CLOSE);
    fail(ctx, "refused a connection from " + ctx.channel().remoteAddress() + ": " + why, true);
  }

  private void fail(ChannelHandlerContext ctx, String message) {
    fail(ctx, message, false);
  }

  /** With {@code refused}: a wrong secret, version or role, which trying again does not change. */
  private void fail(ChannelHandlerContext ctx, String message, boolean refused) {
    if (state == State.DONE) {
      return;
    }
    state = State.FAILED;
    if (deadline != null) {
      deadline.cancel(false);
    }
    if (result.tryFailure(new HandshakeException(message, refused)) && side == Side.ACCEPTOR) {
      LOG.warn("{}", message);
    }
    if (ctx.channel().isActive()) {
      ctx.channel().eventLoop().execute(ctx::close); // after a verdict still being written
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Throwable c =
        cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
    if (c instanceof HandshakeException h) {
      fail(ctx, h.getMessage(), h.refused());
    } else if (c instanceof javax.net.ssl.SSLException) {
      fail(
          ctx,
          "TLS with "
              + ctx.channel().remoteAddress()
              + " failed: "
              + c.getMessage()
              + "; every process of the cluster needs TLS on (--tls-keystore) with the same"
              + " keystore");
    } else {
      fail(ctx, "the handshake with " + ctx.channel().remoteAddress() + " failed: " + c);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    fail(
        ctx,
        "the connection with "
            + ctx.channel().remoteAddress()
            + " closed during the handshake"
            + (side == Side.CONNECTOR && state == State.AWAIT_PREAMBLE
                ? " (is the port that of a Weir process, and is TLS on at both ends or at neither?)"
                : ""));
    super.channelInactive(ctx);
  }
}
