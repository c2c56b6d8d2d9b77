package dev.weir.cluster.transport;

/** Where a worker's data plane listens: the host its peers reach it by, and the port. */
public record WorkerAddress(String host, int port) {

  public WorkerAddress {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("a worker address needs a host");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " of " + host + " is not a port");
    }
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
