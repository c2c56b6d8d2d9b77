package dev.weir.cluster.transport;

/** A {@code host:port} a user gave (a coordinator's address, say). */
public record HostPort(String host, int port) {

  /**
   * Parses {@code value}.
   *
   * @param option the option it came from, for the message
   * @throws IllegalArgumentException naming the option and the value when it is not host:port
   */
  public static HostPort parse(String value, String option) {
    int colon = value == null ? -1 : value.lastIndexOf(':');
    int port = -1;
    if (colon > 0) {
      try {
        port = Integer.parseInt(value.substring(colon + 1));
      } catch (NumberFormatException e) {
        port = -1;
      }
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(option + " must be host:port, got '" + value + "'");
    }
    return new HostPort(value.substring(0, colon), port);
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
