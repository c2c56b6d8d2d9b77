package dev.weir.cluster.usercode;

import com.google.protobuf.ByteString;
import dev.weir.cluster.protocol.v1.JarChunk;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The users' jars a process holds, each stored once under its SHA-256. Jars arrive in {@link
 * JarChunk}s; a jar is kept only once all of it arrived in order and its digest is the one it was
 * sent under, so a jar's name is proof of its content. Any thread.
 */
public final class JarStore {

  /** Pieces of at most this size: frames stay far below the control plane's limit. */
  public static final int CHUNK_BYTES = 1 << 20;

  /** No jar larger than this is taken. */
  public static final long MAX_JAR_BYTES = 2L << 30;

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  private final Path directory;
  private final Map<String, Upload> uploads = new HashMap<>();

  private record Upload(Path partial, OutputStream out, MessageDigest digest, long[] length) {}

  /** Jars under {@code directory}, created if needed. */
  public JarStore(Path directory) {
    this.directory = directory;
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the jar folder " + directory, e);
    }
  }

  /** The lower-case hex SHA-256 of {@code file}. */
  public static String sha256(Path file) throws IOException {
    MessageDigest digest = newDigest();
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  /**
   * @throws IllegalArgumentException unless {@code sha256} is 64 lower-case hex digits
   */
  public static String requireDigest(String sha256) {
    if (sha256 == null || !SHA256.matcher(sha256).matches()) {
      throw new IllegalArgumentException("'" + sha256 + "' is not a SHA-256 in lower-case hex");
    }
    return sha256;
  }

  public boolean has(String sha256) {
    return Files.isRegularFile(directory.resolve(requireDigest(sha256) + ".jar"));
  }

  /**
   * The stored jar.
   *
   * @throws IllegalArgumentException if it is not here
   */
  public Path path(String sha256) {
    Path jar = directory.resolve(requireDigest(sha256) + ".jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalArgumentException("no jar " + sha256 + " here");
    }
    return jar;
  }

  /** Stores a local jar (a client's own, or in tests); returns its digest. */
  public String put(Path jar) throws IOException {
    String sha = sha256(jar);
    Path target = directory.resolve(sha + ".jar");
    if (!Files.exists(target)) {
      Path partial = Files.createTempFile(directory, sha, ".partial");
      Files.copy(jar, partial, StandardCopyOption.REPLACE_EXISTING);
      Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
    }
    return sha;
  }

  /**
   * Takes one piece of a jar being sent; returns true once the jar is complete and stored.
   *
   * @throws IOException if a piece is out of order, the jar too large, or its digest not the one it
   *     was sent under (what arrived of it is dropped)
   */
  public synchronized boolean accept(JarChunk chunk) throws IOException {
    String sha = requireDigest(chunk.getSha256());
    Upload upload = uploads.get(sha);
    if (upload == null) {
      if (chunk.getOffset() != 0) {
        throw new IOException("jar " + sha + " starts at offset " + chunk.getOffset());
      }
      Path partial = Files.createTempFile(directory, sha, ".partial");
      upload =
          new Upload(
              partial,
              Files.newOutputStream(partial, StandardOpenOption.WRITE),
              newDigest(),
              new long[1]);
      uploads.put(sha, upload);
    }
    try {
      if (chunk.getOffset() != upload.length()[0]) {
        throw new IOException(
            "jar " + sha + ": piece at " + chunk.getOffset() + ", expected " + upload.length()[0]);
      }
      if (upload.length()[0] + chunk.getData().size() > MAX_JAR_BYTES) {
        throw new IOException("jar " + sha + " is larger than " + MAX_JAR_BYTES + " bytes");
      }
      chunk.getData().writeTo(upload.out());
      upload.digest().update(chunk.getData().asReadOnlyByteBuffer());
      upload.length()[0] += chunk.getData().size();
      if (!chunk.getLast()) {
        return false;
      }
      uploads.remove(sha);
      upload.out().close();
      String actual = HexFormat.of().formatHex(upload.digest().digest());
      if (!actual.equals(sha)) {
        Files.deleteIfExists(upload.partial());
        throw new IOException("jar sent as " + sha + " has the SHA-256 " + actual);
      }
      Files.move(
          upload.partial(),
          directory.resolve(sha + ".jar"),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
      return true;
    } catch (IOException | RuntimeException e) {
      uploads.remove(sha);
      upload.out().close();
      Files.deleteIfExists(upload.partial());
      throw e;
    }
  }

  /** Sends the stored jar {@code sha256} as pieces, in order, to {@code send}. */
  public void send(String sha256, Consumer<JarChunk> send) throws IOException {
    sendFile(path(sha256), sha256, send);
  }

  /** Sends {@code jar}, whose digest is {@code sha256}, as pieces, in order, to {@code send}. */
  public static void sendFile(Path jar, String sha256, Consumer<JarChunk> send) throws IOException {
    try (InputStream in = Files.newInputStream(jar)) {
      long offset = 0;
      byte[] piece = new byte[CHUNK_BYTES];
      long size = Files.size(jar);
      do {
        int n = in.readNBytes(piece, 0, piece.length);
        boolean last = offset + n >= size;
        send.accept(
            JarChunk.newBuilder()
                .setSha256(sha256)
                .setOffset(offset)
                .setData(ByteString.copyFrom(piece, 0, n))
                .setLast(last)
                .build());
        offset += n;
        if (last) {
          return;
        }
      } while (true);
    }
  }
}
