package dev.weir.cluster.transport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secret every process of a cluster shares, read from a file only its owner can read. Peers
 * prove they know it without sending it: each computes an HMAC-SHA256 over fresh nonces of both
 * sides (see {@link Handshake}). {@link #none()} stands for no secret at all, allowed on loopback
 * addresses only. Immutable; any thread.
 */
public final class ClusterSecret {

  /** Fewer bytes than this are too easy to guess. */
  static final int MIN_BYTES = 16;

  private static final int MAX_BYTES = 4096;
  private static final String HMAC = "HmacSHA256";

  private final byte[] key;

  private ClusterSecret(byte[] key) {
    this.key = key;
  }

  /** No secret: any local process may connect. Only for processes bound to loopback addresses. */
  public static ClusterSecret none() {
    return new ClusterSecret(new byte[0]);
  }

  /** A secret of the given bytes (at least {@value #MIN_BYTES}). */
  public static ClusterSecret of(byte[] key) {
    if (key.length < MIN_BYTES) {
      throw new IllegalArgumentException(
          "a cluster secret needs at least " + MIN_BYTES + " bytes, got " + key.length);
    }
    return new ClusterSecret(key.clone());
  }

  /**
   * Reads the secret from {@code file}: its content without surrounding whitespace. Refuses a file
   * that others than its owner can read or write, as ssh does with private keys, naming the file
   * and the fix.
   */
  public static ClusterSecret fromFile(Path file) {
    byte[] content;
    try {
      PosixFileAttributeView posix = Files.getFileAttributeView(file, PosixFileAttributeView.class);
      if (posix != null) {
        Set<PosixFilePermission> open =
            EnumSet.complementOf(
                EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        open.retainAll(posix.readAttributes().permissions());
        if (!open.isEmpty()) {
          throw new IllegalArgumentException(
              "the secret file "
                  + file
                  + " is accessible to others than its owner ("
                  + PosixFilePermissions.toString(posix.readAttributes().permissions())
                  + "); make it private with: chmod 600 "
                  + file);
        }
      }
      if (Files.size(file) > MAX_BYTES) {
        throw new IllegalArgumentException(
            "the secret file " + file + " is larger than " + MAX_BYTES + " bytes");
      }
      content = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(
          "the secret file " + file + " does not exist; create one (bin/weir cluster writes one)",
          e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the secret file " + file + ": " + e, e);
    }
    byte[] key =
        new String(content, StandardCharsets.UTF_8).strip().getBytes(StandardCharsets.UTF_8);
    Arrays.fill(content, (byte) 0);
    if (key.length < MIN_BYTES) {
      throw new IllegalArgumentException(
          "the secret in "
              + file
              + " has "
              + key.length
              + " bytes; use at least "
              + MIN_BYTES
              + " (for example 64 random hex digits)");
    }
    return new ClusterSecret(key);
  }

  /**
   * Writes a new random secret (64 hex digits) to {@code file}, readable by its owner only, and
   * returns it. Fails if the file exists.
   */
  public static ClusterSecret createFile(Path file) {
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    byte[] hex = HexFormat.of().formatHex(random).getBytes(StandardCharsets.US_ASCII);
    try {
      boolean posix = file.getFileSystem().supportedFileAttributeViews().contains("posix");
      if (posix) {
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(
                EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)));
      } else {
        Files.createFile(file);
      }
      Files.write(file, hex, StandardOpenOption.TRUNCATE_EXISTING);
    } catch (FileAlreadyExistsException e) {
      throw new IllegalArgumentException("the secret file " + file + " exists already", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the secret file " + file + ": " + e, e);
    }
    return new ClusterSecret(hex);
  }

  /** Whether this is {@link #none()}. */
  public boolean isNone() {
    return key.length == 0;
  }

  /** HMAC-SHA256 of {@code message} under this secret (under an empty key for {@link #none()}). */
  byte[] mac(byte[] message) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      // The JDK refuses an empty key; "no secret" still proves the version and the nonces.
      mac.init(new SecretKeySpec(isNone() ? new byte[1] : key, HMAC));
      return mac.doFinal(message);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK cannot compute " + HMAC, e);
    }
  }

  @Override
  public String toString() {
    return isNone() ? "no secret" : "a secret of " + key.length + " bytes";
  }
}
