package dev.weir.cluster.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.cluster.process.ClusterKeystore;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Connections over TLS: encrypted between holders of the cluster's keystore, refused otherwise. */
@Timeout(120)
class ClusterTlsTest {

  private static final ClusterSecret SECRET =
      ClusterSecret.of("a secret shared by the cluster".getBytes(StandardCharsets.UTF_8));
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  @TempDir Path dir;

  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  /** A fresh cluster keystore and its password file, as `weir cluster --tls` makes them. */
  private ClusterTls newTls(String name) throws Exception {
    Path keystore = dir.resolve(name + ".p12");
    Path password = dir.resolve(name + ".password");
    ClusterKeystore.create(keystore, password);
    return ClusterTls.fromKeystore(keystore, password);
  }

  private ClusterTransport transport(PeerRole role, ClusterTls tls) {
    ClusterTransport t = new ClusterTransport(role, SECRET, tls, TIMEOUT, 1);
    toClose.add(t);
    return t;
  }

  private ClusterTransport.Listener listen(ClusterTls tls) {
    ClusterTransport.Listener l =
        transport(PeerRole.COORDINATOR, tls)
            .listen("127.0.0.1", 0, Set.of(PeerRole.WORKER), (pipeline, peer) -> {});
    toClose.add(l);
    return l;
  }

  @Test
  void holdersOfTheKeystoreConnectOverTls() throws Exception {
    ClusterTls tls = newTls("cluster");
    ClusterTransport.Listener listener = listen(tls);

    ClusterTransport.Connection c =
        transport(PeerRole.WORKER, tls)
            .connect("127.0.0.1", listener.address().getPort(), TIMEOUT, (pipeline, peer) -> {});

    assertThat(c.peer().role()).isEqualTo(PeerRole.COORDINATOR);
    SslHandler ssl = c.channel().pipeline().get(SslHandler.class);
    assertThat(ssl).isNotNull();
    assertThat(ssl.engine().getSession().getProtocol()).isEqualTo("TLSv1.3");
    assertThat(listener.refusedConnections()).isZero();
  }

  @Test
  void aPeerWithoutTlsOrWithAnotherKeyIsRefused() throws Exception {
    ClusterTls tls = newTls("cluster");
    ClusterTls stranger = newTls("stranger");
    ClusterTransport.Listener listener = listen(tls);
    int port = listener.address().getPort();

    assertThatThrownBy(
            () ->
                transport(PeerRole.WORKER, ClusterTls.NONE)
                    .connect("127.0.0.1", port, TIMEOUT, (pipeline, peer) -> {}))
        .isInstanceOf(HandshakeException.class);
    assertThatThrownBy(
            () ->
                transport(PeerRole.WORKER, stranger)
                    .connect("127.0.0.1", port, TIMEOUT, (pipeline, peer) -> {}))
        .isInstanceOf(HandshakeException.class)
        .hasMessageContaining("TLS");
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (listener.refusedConnections() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(listener.refusedConnections()).isEqualTo(2);
  }

  @Test
  void aWrongPasswordOrAMissingKeystoreIsNamed() throws Exception {
    Path store = dir.resolve("cluster.p12");
    ClusterKeystore.create(store, dir.resolve("cluster.password"));
    Path wrong = Files.writeString(dir.resolve("wrong.password"), "not-the-password\n");
    assertThatThrownBy(() -> ClusterTls.fromKeystore(store, wrong))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(store.toString())
        .hasMessageContaining("wrong password in " + wrong);
    Path missing = dir.resolve("missing.p12");
    assertThatThrownBy(() -> ClusterTls.fromKeystore(missing, dir.resolve("cluster.password")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(missing.toString());
  }
}
