package dev.weir.cluster.transport;

/**
 * A connection's handshake failed: the message names the cause and, where there is one, the fix.
 */
public final class HandshakeException extends RuntimeException {

  public HandshakeException(String message) {
    super(message);
  }
}
