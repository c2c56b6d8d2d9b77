package dev.weir.cluster.transport;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;

/**
 * The bytes of the mutual challenge-response every connection starts with, before anything else is
 * decoded. Every part has a fixed size, so nothing an unauthenticated peer sends is parsed beyond a
 * length check:
 *
 * <ol>
 *   <li>both sides send a preamble: magic {@code WEIR}, protocol version, role, a fresh 32-byte
 *       nonce;
 *   <li>the connecting side sends its proof, an HMAC-SHA256 under the shared secret over a label,
 *       its side, both roles, both nonces and the version;
 *   <li>the accepting side checks it and answers with a verdict byte; if it accepts, its own proof
 *       follows, which the connecting side checks in turn.
 * </ol>
 *
 * The acceptor proves itself only to a peer that proved itself first, so it answers no challenge of
 * an unauthenticated peer. Proofs cover the side that makes them: one side's proof never passes as
 * the other's, so a proof reflected back to its maker is refused.
 */
final class Handshake {

  /** {@code WEIR} in ASCII. */
  static final int MAGIC = 0x57454952;

  static final int NONCE_BYTES = 32;
  static final int PREAMBLE_BYTES = 4 + 4 + 1 + NONCE_BYTES;
  static final int PROOF_BYTES = 32;
  static final int VERDICT_BYTES = 1;

  private static final byte[] LABEL = "weir-handshake-v1".getBytes(StandardCharsets.US_ASCII);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Which end of the connection a side is. */
  enum Side {
    CONNECTOR((byte) 'C'),
    ACCEPTOR((byte) 'A');

    final byte code;

    Side(byte code) {
      this.code = code;
    }
  }

  /** The acceptor's answer to the connector's proof. */
  enum Verdict {
    ACCEPTED((byte) 0),
    WRONG_SECRET((byte) 1),
    ROLE_REFUSED((byte) 2);

    final byte code;

    Verdict(byte code) {
      this.code = code;
    }

    static Verdict ofCode(byte code) {
      for (Verdict v : values()) {
        if (v.code == code) {
          return v;
        }
      }
      return null;
    }
  }

  /** What each side says first. */
  record Preamble(int protocolVersion, PeerRole role, byte[] nonce) {

    static Preamble fresh(int protocolVersion, PeerRole role) {
      byte[] nonce = new byte[NONCE_BYTES];
      RANDOM.nextBytes(nonce);
      return new Preamble(protocolVersion, role, nonce);
    }

    void writeTo(ByteBuf out) {
      out.writeInt(MAGIC);
      out.writeInt(protocolVersion);
      out.writeByte(role.code());
      out.writeBytes(nonce);
    }

    /**
     * Reads a preamble of {@link #PREAMBLE_BYTES} readable bytes.
     *
     * @throws HandshakeException if the bytes are not a Weir preamble
     */
    static Preamble readFrom(ByteBuf in) {
      int magic = in.readInt();
      if (magic != MAGIC) {
        throw new HandshakeException(
            "the peer does not speak Weir's cluster protocol (it sent 0x"
                + Integer.toHexString(magic)
                + " where a Weir process sends 0x"
                + Integer.toHexString(MAGIC)
                + "); is the address that of a Weir coordinator or worker?",
            true);
      }
      int version = in.readInt();
      byte roleCode = in.readByte();
      PeerRole role = PeerRole.ofCode(roleCode);
      byte[] nonce = new byte[NONCE_BYTES];
      in.readBytes(nonce);
      if (role == null) {
        throw new HandshakeException(
            "the peer names an unknown role (code " + roleCode + ")", true);
      }
      return new Preamble(version, role, nonce);
    }
  }

  private Handshake() {}

  /** The proof {@code side}, whose preamble is {@code own}, gives to the peer of {@code peer}. */
  static byte[] proof(ClusterSecret secret, Side side, Preamble own, Preamble peer) {
    ByteBuffer message =
        ByteBuffer.allocate(LABEL.length + 1 + 1 + 1 + 2 * NONCE_BYTES + 4)
            .put(LABEL)
            .put(side.code)
            .put(own.role().code())
            .put(peer.role().code())
            .put(own.nonce())
            .put(peer.nonce())
            .putInt(own.protocolVersion());
    return secret.mac(message.array());
  }

  /** Whether {@code proof} is what the peer on {@code peerSide} had to send; constant time. */
  static boolean verify(
      ClusterSecret secret, Side peerSide, Preamble peer, Preamble own, byte[] proof) {
    return MessageDigest.isEqual(proof(secret, peerSide, peer, own), proof);
  }
}
