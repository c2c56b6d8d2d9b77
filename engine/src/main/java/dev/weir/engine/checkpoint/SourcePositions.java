package dev.weir.engine.checkpoint;

import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.DataOutputView;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Source positions in checkpoints, in an explicit, versioned encoding of plain values: {@code
 * null}, {@link Boolean}, {@link Integer}, {@link Long}, {@link String}, {@code byte[]}, {@code
 * long[]} and {@link List}s of these. No Java serialization: a checkpoint file is input from
 * outside the process, and deserializing it could run any class's code. A source whose position is
 * richer encodes it into these (Beam's checkpoint marks are bytes from the mark's coder).
 *
 * <p>Version 1: a version byte, then the value: a tag byte and its content (lengths and counts as
 * ints, checked against the bytes left before anything is allocated).
 */
public final class SourcePositions {

  private static final int VERSION = 1;
  private static final int NULL = 0;
  private static final int FALSE = 1;
  private static final int TRUE = 2;
  private static final int INT = 3;
  private static final int LONG = 4;
  private static final int STRING = 5;
  private static final int BYTES = 6;
  private static final int LONGS = 7;
  private static final int LIST = 8;

  /** Nesting deeper than this is refused: a forged file must not exhaust the stack. */
  private static final int MAX_DEPTH = 16;

  private SourcePositions() {}

  /**
   * Encodes {@code position} (see the class comment for what it may hold), or returns {@code null}
   * for {@code null}.
   *
   * @throws IOException naming the type when the position holds anything else
   */
  public static byte[] serialize(Object position) throws IOException {
    if (position == null) {
      return null;
    }
    DataOutputView out = new DataOutputView(64);
    out.writeByte(VERSION);
    write(out, position, 0);
    byte[] bytes = new byte[out.length()];
    System.arraycopy(out.array(), 0, bytes, 0, bytes.length);
    return bytes;
  }

  private static void write(DataOutputView out, Object value, int depth) throws IOException {
    if (depth > MAX_DEPTH) {
      throw new IOException("a source position nests lists deeper than " + MAX_DEPTH);
    }
    if (value == null) {
      out.writeByte(NULL);
    } else if (value instanceof Boolean b) {
      out.writeByte(b ? TRUE : FALSE);
    } else if (value instanceof Integer i) {
      out.writeByte(INT);
      out.writeInt(i);
    } else if (value instanceof Long l) {
      out.writeByte(LONG);
      out.writeLong(l);
    } else if (value instanceof String s) {
      byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
      out.writeByte(STRING);
      out.writeInt(utf8.length);
      out.write(utf8);
    } else if (value instanceof byte[] bytes) {
      out.writeByte(BYTES);
      out.writeInt(bytes.length);
      out.write(bytes);
    } else if (value instanceof long[] longs) {
      out.writeByte(LONGS);
      out.writeInt(longs.length);
      for (long l : longs) {
        out.writeLong(l);
      }
    } else if (value instanceof List<?> list) {
      out.writeByte(LIST);
      out.writeInt(list.size());
      for (Object element : list) {
        write(out, element, depth + 1);
      }
    } else {
      throw new IOException(
          "a source position holds a "
              + value.getClass().getName()
              + "; SourceReader.position() must return null, Boolean, Integer, Long, String,"
              + " byte[], long[] or a List of these (encode anything richer into bytes)");
    }
  }

  /**
   * Decodes what {@link #serialize} wrote; any damage (unknown version or tag, a length beyond the
   * bytes, bytes left over) is an {@link IOException}, never another exception.
   */
  public static Object deserialize(byte[] bytes) throws IOException {
    DataInputView in = new DataInputView(bytes);
    try {
      int version = in.readUnsignedByte();
      if (version != VERSION) {
        throw new IOException(
            "a stored source position has format version "
                + version
                + "; this Weir reads version "
                + VERSION);
      }
      Object value = read(in, bytes.length, 0);
      if (in.position() != bytes.length) {
        throw new IOException(
            "a stored source position is corrupt: "
                + (bytes.length - in.position())
                + " bytes follow it");
      }
      return value;
    } catch (EOFException e) {
      throw new IOException("a stored source position is corrupt: truncated", e);
    }
  }

  private static Object read(DataInputView in, int total, int depth) throws IOException {
    if (depth > MAX_DEPTH) {
      throw new IOException("a stored source position is corrupt: nested too deep");
    }
    int tag = in.readUnsignedByte();
    switch (tag) {
      case NULL:
        return null;
      case FALSE:
        return Boolean.FALSE;
      case TRUE:
        return Boolean.TRUE;
      case INT:
        return in.readInt();
      case LONG:
        return in.readLong();
      case STRING:
        return new String(readBytes(in, length(in, total, 1)), StandardCharsets.UTF_8);
      case BYTES:
        return readBytes(in, length(in, total, 1));
      case LONGS:
        {
          long[] longs = new long[length(in, total, Long.BYTES)];
          for (int i = 0; i < longs.length; i++) {
            longs[i] = in.readLong();
          }
          return longs;
        }
      case LIST:
        {
          int size = length(in, total, 1);
          List<Object> list = new ArrayList<>(size);
          for (int i = 0; i < size; i++) {
            list.add(read(in, total, depth + 1));
          }
          return list;
        }
      default:
        throw new IOException("a stored source position is corrupt: unknown tag " + tag);
    }
  }

  /** A count of items of at least {@code itemBytes} each that the bytes left could hold. */
  private static int length(DataInputView in, int total, int itemBytes) throws IOException {
    int n = in.readInt();
    if (n < 0 || (long) n * itemBytes > total - in.position()) {
      throw new IOException("a stored source position is corrupt: it claims " + n + " items");
    }
    return n;
  }

  private static byte[] readBytes(DataInputView in, int n) throws IOException {
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }
}
