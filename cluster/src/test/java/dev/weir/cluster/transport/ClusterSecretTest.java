package dev.weir.cluster.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterSecretTest {

  @TempDir Path dir;

  private static byte[] proofUnder(ClusterSecret secret) {
    Handshake.Preamble a = new Handshake.Preamble(1, PeerRole.WORKER, new byte[32]);
    Handshake.Preamble b = new Handshake.Preamble(1, PeerRole.COORDINATOR, new byte[32]);
    return Handshake.proof(secret, Handshake.Side.CONNECTOR, a, b);
  }

  @Test
  void aCreatedSecretFileIsPrivateAndReadsBackAsTheSameSecret() throws Exception {
    Path file = dir.resolve("secret");
    ClusterSecret created = ClusterSecret.createFile(file);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(proofUnder(ClusterSecret.fromFile(file))).isEqualTo(proofUnder(created));
    assertThat(proofUnder(ClusterSecret.createFile(dir.resolve("other"))))
        .isNotEqualTo(proofUnder(created));
    assertThatThrownBy(() -> ClusterSecret.createFile(file)).hasMessageContaining("exists already");
  }

  @Test
  void aSecretFileOthersCanReadIsRefusedNamingTheFix() throws Exception {
    Path file = dir.resolve("secret");
    Files.writeString(file, "0123456789abcdef0123456789abcdef\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> ClusterSecret.fromFile(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("chmod 600 " + file);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    // Surrounding whitespace (an editor's newline) is not part of the secret.
    assertThat(proofUnder(ClusterSecret.fromFile(file)))
        .isEqualTo(
            proofUnder(
                ClusterSecret.of(
                    "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  void aShortOrMissingSecretIsRefused() throws Exception {
    Path file = dir.resolve("short");
    Files.writeString(file, "pass");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    assertThatThrownBy(() -> ClusterSecret.fromFile(file))
        .hasMessageContaining("has 4 bytes; use at least " + ClusterSecret.MIN_BYTES);
    assertThatThrownBy(() -> ClusterSecret.fromFile(dir.resolve("missing")))
        .hasMessageContaining("does not exist");
  }

  @Test
  void proofsDependOnTheSideSoAReflectedProofFails() {
    ClusterSecret secret =
        ClusterSecret.of("a secret shared by the cluster".getBytes(StandardCharsets.UTF_8));
    Handshake.Preamble x = Handshake.Preamble.fresh(1, PeerRole.WORKER);
    Handshake.Preamble y = Handshake.Preamble.fresh(1, PeerRole.WORKER);
    byte[] connectorProof = Handshake.proof(secret, Handshake.Side.CONNECTOR, x, y);
    assertThat(Handshake.verify(secret, Handshake.Side.CONNECTOR, x, y, connectorProof)).isTrue();
    assertThat(Handshake.verify(secret, Handshake.Side.ACCEPTOR, x, y, connectorProof)).isFalse();
    assertThat(Handshake.verify(secret, Handshake.Side.CONNECTOR, y, x, connectorProof)).isFalse();
  }
}
