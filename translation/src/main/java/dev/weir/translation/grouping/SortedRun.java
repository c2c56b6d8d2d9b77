package dev.weir.translation.grouping;

import dev.weir.state.PrivateFiles;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Groups written to a file in key order, when a grouping buffer ran out of memory; read back one
 * group at a time to be merged with the other runs. The format carries a version; what is read is
 * checked (a length beyond what a run can hold, a missing end) and refused as corrupt. The file is
 * private to its user and deleted when the run is closed.
 *
 * <p>Format: magic {@code WRUN}, version byte, then per group: key length and bytes, window length
 * and bytes, output timestamp, value count, values' length and bytes; -1 ends the run.
 */
final class SortedRun implements AutoCloseable {

  private static final int MAGIC = 0x5752554e; // "WRUN"
  private static final int VERSION = 1;
  private static final int END = -1;
  private static final int BUFFER = 64 * 1024;

  private final Path file;
  private final DataInputStream in;
  private boolean ended;

  byte[] key;
  byte[] window;
  long outputMillis;
  int count;
  byte[] values;

  /** Writes {@code groups} (sorted by key, then window) to a new file in {@code folder}. */
  static Path write(Path folder, List<GroupTable.Group> groups) throws IOException {
    Path file = Files.createTempFile(folder, "run-", ".bin", PrivateFiles.ownerOnlyFile(folder));
    try (DataOutputStream out =
        new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), BUFFER))) {
      out.writeInt(MAGIC);
      out.writeByte(VERSION);
      for (GroupTable.Group g : groups) {
        g.key.writeTo(out);
        out.writeInt(g.windowBytes.length);
        out.write(g.windowBytes);
        out.writeLong(g.outputMillis);
        out.writeInt(g.count);
        out.writeInt(g.length);
        out.write(g.values, 0, g.length);
      }
      out.writeInt(END);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(file);
      throw e;
    }
    return file;
  }

  /** Opens a run written by {@link #write}, positioned before its first group. */
  SortedRun(Path file) throws IOException {
    this.file = file;
    this.in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), BUFFER));
    try {
      int magic = in.readInt();
      int version = in.readUnsignedByte();
      if (magic != MAGIC || version != VERSION) {
        throw corrupt("not a grouping run of version " + VERSION);
      }
    } catch (EOFException e) {
      in.close();
      throw corrupt("it ends before its header");
    } catch (IOException e) {
      in.close();
      throw e;
    }
  }

  /** Reads the next group into the fields; false once the run has ended. */
  boolean advance() throws IOException {
    if (ended) {
      return false;
    }
    try {
      int keyLength = in.readInt();
      if (keyLength == END) {
        ended = true;
        key = null;
        values = null;
        return false;
      }
      key = readBytes(keyLength, "key");
      window = readBytes(in.readInt(), "window");
      outputMillis = in.readLong();
      count = in.readInt();
      if (count < 1) {
        throw corrupt("a group of " + count + " values");
      }
      values = readBytes(in.readInt(), "values");
      return true;
    } catch (EOFException e) {
      throw corrupt("it ends in the middle of a group");
    }
  }

  private byte[] readBytes(int length, String what) throws IOException {
    // Nothing longer than an array can be was written; a length past it is corruption, not a
    // reason to allocate.
    if (length < 0 || length > Integer.MAX_VALUE - 16) {
      throw corrupt("a " + what + " of " + length + " bytes");
    }
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return bytes;
  }

  /** Orders runs by their current group: key, then window. */
  int compareTo(SortedRun other) {
    int c = Arrays.compareUnsigned(key, other.key);
    return c != 0 ? c : Arrays.compareUnsigned(window, other.window);
  }

  boolean sameGroup(SortedRun other) {
    return Arrays.equals(key, other.key) && Arrays.equals(window, other.window);
  }

  private IOException corrupt(String why) {
    return new IOException("corrupt grouping spill file " + file + ": " + why);
  }

  /** Closes and deletes the file. */
  @Override
  public void close() throws IOException {
    try {
      in.close();
    } finally {
      Files.deleteIfExists(file);
    }
  }
}
