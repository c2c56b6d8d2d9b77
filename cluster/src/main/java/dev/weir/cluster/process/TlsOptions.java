package dev.weir.cluster.process;

import dev.weir.cluster.transport.ClusterTls;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The TLS options of every process of a cluster (a picocli mixin). */
final class TlsOptions {

  @Option(
      names = "--tls-keystore",
      description =
          "PKCS12 keystore every process of the cluster shares: turns TLS on for all its connections"
              + " (mutual; needs --tls-password-file). Default: no TLS.")
  Path keystore;

  @Option(
      names = "--tls-password-file",
      description = "File whose first line is the --tls-keystore's password.")
  Path passwordFile;

  /** The TLS these options ask for; {@link ClusterTls#NONE} without a keystore. */
  ClusterTls tls() {
    if (keystore == null) {
      if (passwordFile != null) {
        throw new IllegalArgumentException("--tls-password-file needs --tls-keystore");
      }
      return ClusterTls.NONE;
    }
    if (passwordFile == null) {
      throw new IllegalArgumentException(
          "--tls-keystore needs --tls-password-file (a file holding the keystore's password)");
    }
    return ClusterTls.fromKeystore(keystore, passwordFile);
  }

  /** The options as arguments for a child process, or none. */
  String[] asArguments() {
    return keystore == null
        ? new String[0]
        : new String[] {"--tls-keystore=" + keystore, "--tls-password-file=" + passwordFile};
  }
}
