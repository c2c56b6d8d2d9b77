package dev.weir.cluster.transport;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.UnrecoverableKeyException;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS for every connection of a cluster (control and data), on top of the secret's handshake: the
 * secret says who may join, TLS keeps what travels private. Every process of the cluster uses the
 * same PKCS12 keystore (one key pair for the cluster, as Flink's internal TLS does): it presents
 * that certificate and trusts only peers presenting a certificate of that keystore (mutual TLS), so
 * no host names need to match. Immutable; any thread.
 */
public final class ClusterTls {

  /** No TLS: plain TCP (the secret's handshake still authenticates every peer). */
  public static final ClusterTls NONE = new ClusterTls(null, null, null);

  private static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  private final SslContext server;
  private final SslContext client;
  private final Path keystore;

  private ClusterTls(SslContext server, SslContext client, Path keystore) {
    this.server = server;
    this.client = client;
    this.keystore = keystore;
  }

  /**
   * TLS with the key pair and certificates of the PKCS12 {@code keystore}, whose password is the
   * first line of {@code passwordFile}.
   *
   * @throws IllegalArgumentException naming the file and the fix when a file cannot be read, the
   *     password is wrong, or the keystore holds no key
   */
  public static ClusterTls fromKeystore(Path keystore, Path passwordFile) {
    char[] password = readPassword(passwordFile);
    KeyStore store;
    try (InputStream in = Files.newInputStream(keystore)) {
      store = KeyStore.getInstance("PKCS12");
      store.load(in, password);
    } catch (IOException e) {
      if (e.getCause() instanceof UnrecoverableKeyException) {
        throw new IllegalArgumentException(
            "cannot open the TLS keystore " + keystore + ": wrong password in " + passwordFile, e);
      }
      throw new IllegalArgumentException(
          "cannot read the TLS keystore "
              + keystore
              + ": "
              + e.getMessage()
              + " (a PKCS12 file, e.g. from keytool -genkeypair -storetype PKCS12)",
          e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "cannot read the TLS keystore " + keystore + ": " + e.getMessage(), e);
    }
    try {
      boolean hasKey = false;
      for (String alias : java.util.Collections.list(store.aliases())) {
        hasKey |= store.isKeyEntry(alias);
      }
      if (!hasKey) {
        throw new IllegalArgumentException(
            "the TLS keystore "
                + keystore
                + " holds no key pair; create one with keytool -genkeypair -storetype PKCS12");
      }
      KeyManagerFactory keys =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, password);
      // Trusts the certificates the keystore holds, its own key pair's included.
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      SslContext server =
          SslContextBuilder.forServer(keys)
              .trustManager(trust)
              .clientAuth(ClientAuth.REQUIRE)
              .protocols(PROTOCOLS)
              .build();
      // Peers are trusted by the cluster's certificate, not by host name: a worker is reached
      // by whatever address it registered, which the certificate need not name.
      SslContext client =
          SslContextBuilder.forClient()
              .keyManager(keys)
              .trustManager(trust)
              .endpointIdentificationAlgorithm(null)
              .protocols(PROTOCOLS)
              .build();
      return new ClusterTls(server, client, keystore);
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException(
          "cannot use the TLS keystore " + keystore + ": " + e.getMessage(), e);
    }
  }

  private static char[] readPassword(Path passwordFile) {
    try {
      List<String> lines = Files.readAllLines(passwordFile, StandardCharsets.UTF_8);
      if (lines.isEmpty() || lines.get(0).isEmpty()) {
        throw new IllegalArgumentException(
            "the TLS password file " + passwordFile + " is empty; write the keystore's password");
      }
      return lines.get(0).toCharArray();
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read the TLS password file " + passwordFile + ": " + e, e);
    }
  }

  public boolean isEnabled() {
    return server != null;
  }

  /** For log lines: where the key comes from. */
  @Override
  public String toString() {
    return isEnabled() ? "TLS with " + keystore : "no TLS";
  }

  /** The first handler of a connection this process accepted. */
  SslHandler acceptorHandler(ByteBufAllocator alloc) {
    return server.newHandler(alloc);
  }

  /** The first handler of a connection this process opens to {@code host:port}. */
  SslHandler connectorHandler(ByteBufAllocator alloc, String host, int port) {
    return client.newHandler(alloc, host, port);
  }
}
