package dev.weir.cluster.transport;

/**
 * A connection's handshake failed: the message names the cause and, where there is one, the fix.
 */
public final class HandshakeException extends RuntimeException {

  private final boolean refused;

  /** The peer could not be reached, or went away: trying again later may succeed. */
  public HandshakeException(String message) {
    this(message, false);
  }

  /**
   * @param refused the peer (or this side) refused the connection: a wrong secret, version or role,
   *     which trying again does not change
   */
  public HandshakeException(String message, boolean refused) {
    super(message);
    this.refused = refused;
  }

  /** Whether the connection was refused (trying again does not help), not merely unreachable. */
  public boolean refused() {
    return refused;
  }
}
