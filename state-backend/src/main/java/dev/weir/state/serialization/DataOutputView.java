package dev.weir.state.serialization;

import java.io.DataOutput;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable, reusable byte array that is both an {@link OutputStream} (for codecs that write to
 * streams) and a {@link DataOutput}. Not thread-safe; meant to be reused record after record, so
 * nothing is allocated once it has grown to the largest record.
 */
public final class DataOutputView extends OutputStream implements DataOutput {

  private byte[] buffer;
  private int position;

  public DataOutputView() {
    this(256);
  }

  public DataOutputView(int initialCapacity) {
    this.buffer = new byte[Math.max(16, initialCapacity)];
  }

  /** Forgets what was written; keeps the array. */
  public void clear() {
    position = 0;
  }

  public int length() {
    return position;
  }

  /** Forgets what was written after the first {@code length} bytes; keeps the array. */
  public void truncate(int length) {
    if (length < 0 || length > position) {
      throw new IndexOutOfBoundsException(
          "cannot truncate " + position + " bytes written to " + length);
    }
    position = length;
  }

  /** The backing array; valid bytes are {@code [0, length())}. */
  public byte[] array() {
    return buffer;
  }

  /**
   * Overwrites the four bytes at {@code offset} (written before) with {@code v}, big-endian: to
   * fill in a length.
   */
  public void writeIntAt(int offset, int v) {
    if (offset < 0 || offset + 4 > position) {
      throw new IndexOutOfBoundsException(
          "offset " + offset + " is not within the " + position + " bytes written");
    }
    buffer[offset] = (byte) (v >>> 24);
    buffer[offset + 1] = (byte) (v >>> 16);
    buffer[offset + 2] = (byte) (v >>> 8);
    buffer[offset + 3] = (byte) v;
  }

  public byte[] toByteArray() {
    return Arrays.copyOf(buffer, position);
  }

  private void ensure(int extra) {
    int needed = position + extra;
    if (needed > buffer.length) {
      int grown = Math.max(needed, buffer.length * 2);
      buffer = Arrays.copyOf(buffer, grown);
    }
  }

  @Override
  public void write(int b) {
    ensure(1);
    buffer[position++] = (byte) b;
  }

  @Override
  public void write(byte[] b) {
    write(b, 0, b.length);
  }

  @Override
  public void write(byte[] b, int off, int len) {
    ensure(len);
    System.arraycopy(b, off, buffer, position, len);
    position += len;
  }

  @Override
  public void writeBoolean(boolean v) {
    write(v ? 1 : 0);
  }

  @Override
  public void writeByte(int v) {
    write(v);
  }

  @Override
  public void writeShort(int v) {
    ensure(2);
    buffer[position++] = (byte) (v >>> 8);
    buffer[position++] = (byte) v;
  }

  @Override
  public void writeChar(int v) {
    writeShort(v);
  }

  @Override
  public void writeInt(int v) {
    ensure(4);
    byte[] b = buffer;
    int p = position;
    b[p] = (byte) (v >>> 24);
    b[p + 1] = (byte) (v >>> 16);
    b[p + 2] = (byte) (v >>> 8);
    b[p + 3] = (byte) v;
    position = p + 4;
  }

  @Override
  public void writeLong(long v) {
    writeInt((int) (v >>> 32));
    writeInt((int) v);
  }

  @Override
  public void writeFloat(float v) {
    writeInt(Float.floatToIntBits(v));
  }

  @Override
  public void writeDouble(double v) {
    writeLong(Double.doubleToLongBits(v));
  }

  @Override
  public void writeBytes(String s) {
    int n = s.length();
    ensure(n);
    for (int i = 0; i < n; i++) {
      buffer[position++] = (byte) s.charAt(i);
    }
  }

  @Override
  public void writeChars(String s) {
    int n = s.length();
    for (int i = 0; i < n; i++) {
      writeChar(s.charAt(i));
    }
  }

  /**
   * Writes a string as its UTF-8 length (an int) followed by the UTF-8 bytes. Unlike {@link
   * java.io.DataOutputStream#writeUTF} there is no 64 KiB limit; read it back with {@link
   * DataInputView#readUTF()}.
   */
  @Override
  public void writeUTF(String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    writeInt(bytes.length);
    write(bytes, 0, bytes.length);
  }
}
