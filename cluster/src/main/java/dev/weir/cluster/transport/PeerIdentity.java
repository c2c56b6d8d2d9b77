package dev.weir.cluster.transport;

import java.net.SocketAddress;

/** Who is at the other end of an authenticated connection. */
public record PeerIdentity(PeerRole role, int protocolVersion, SocketAddress address) {}
