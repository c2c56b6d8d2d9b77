package dev.weir.cluster.process;

import dev.weir.cluster.transport.ClusterSecret;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Creates a cluster's TLS keystore (see {@link dev.weir.cluster.transport.ClusterTls}): a random
 * password in a file only its owner can read, and a PKCS12 keystore with a fresh EC key pair and
 * self-signed certificate, made by the JDK's own {@code keytool} (which reads the password from the
 * file, so it never shows in a process list). Copy both files to every machine of the cluster.
 */
public final class ClusterKeystore {

  private static final long KEYTOOL_TIMEOUT_SECONDS = 60;

  private ClusterKeystore() {}

  /**
   * Writes {@code passwordFile} and {@code keystore}; neither may exist.
   *
   * @throws IllegalArgumentException if one exists or keytool fails (its output in the message)
   */
  public static void create(Path keystore, Path passwordFile)
      throws IOException, InterruptedException {
    if (Files.exists(keystore)) {
      throw new IllegalArgumentException("the TLS keystore " + keystore + " exists already");
    }
    ClusterSecret.createFile(passwordFile);
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "weir-cluster",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=weir-cluster",
                "-validity",
                "3650",
                "-storetype",
                "PKCS12",
                "-keystore",
                keystore.toString(),
                "-storepass:file",
                passwordFile.toString(),
                "-keypass:file",
                passwordFile.toString())
            .redirectErrorStream(true)
            .start();
    try {
      boolean ended = keytool.waitFor(KEYTOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      if (!ended || keytool.exitValue() != 0) {
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        throw new IllegalArgumentException(
            "keytool could not create "
                + keystore
                + (ended ? ": " + output.trim() : ": timed out"));
      }
    } finally {
      keytool.destroyForcibly();
    }
  }
}
