package dev.weir.cluster.transport;

import io.netty.channel.ChannelPipeline;

/** Installs the handlers of a connection once its peer is authenticated. */
@FunctionalInterface
public interface ConnectionSetup {

  /**
   * Adds handlers at the end of {@code pipeline}; whatever the peer sent after the handshake goes
   * to them. Called on the connection's event loop, once; the channel is active already (the new
   * handlers see no channelActive).
   */
  void install(ChannelPipeline pipeline, PeerIdentity peer);
}
