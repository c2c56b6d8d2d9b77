package dev.weir.cluster.transport;

/**
 * What a peer of a connection is: the handshake names it, and the acceptor decides whom it takes.
 */
public enum PeerRole {
  COORDINATOR((byte) 1),
  WORKER((byte) 2),
  CLIENT((byte) 3);

  private final byte code;

  PeerRole(byte code) {
    this.code = code;
  }

  byte code() {
    return code;
  }

  /** The role of {@code code}, or {@code null} if no role has it. */
  static PeerRole ofCode(byte code) {
    for (PeerRole r : values()) {
      if (r.code == code) {
        return r;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
