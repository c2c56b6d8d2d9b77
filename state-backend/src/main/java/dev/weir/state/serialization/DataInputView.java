package dev.weir.state.serialization;

import java.io.DataInput;
import java.io.EOFException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads from a slice of a byte array; both an {@link InputStream} (for codecs that read streams)
 * and a {@link DataInput}. Re-pointed at new bytes with {@link #setBuffer}, so one instance serves
 * every record of a channel. Not thread-safe.
 */
public final class DataInputView extends InputStream implements DataInput {

  private byte[] buffer = new byte[0];
  private int position;
  private int limit;

  public DataInputView() {}

  public DataInputView(byte[] bytes) {
    setBuffer(bytes, 0, bytes.length);
  }

  public void setBuffer(byte[] bytes, int offset, int length) {
    this.buffer = bytes;
    this.position = offset;
    this.limit = offset + length;
  }

  public int position() {
    return position;
  }

  public int remaining() {
    return limit - position;
  }

  public byte[] array() {
    return buffer;
  }

  /** Moves the read position forward without reading, e.g. past a record a codec left unread. */
  public void skipTo(int newPosition) {
    if (newPosition < position || newPosition > limit) {
      throw new IllegalArgumentException(
          "position " + newPosition + " outside [" + position + ", " + limit + "]");
    }
    position = newPosition;
  }

  private void require(int n) throws EOFException {
    if (limit - position < n) {
      throw new EOFException("needed " + n + " bytes, only " + (limit - position) + " left");
    }
  }

  @Override
  public int read() {
    return position < limit ? buffer[position++] & 0xff : -1;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    if (len == 0) {
      return 0;
    }
    int n = Math.min(len, limit - position);
    if (n <= 0) {
      return -1;
    }
    System.arraycopy(buffer, position, b, off, n);
    position += n;
    return n;
  }

  @Override
  public int available() {
    return limit - position;
  }

  @Override
  public long skip(long n) {
    int k = (int) Math.max(0, Math.min(n, limit - position));
    position += k;
    return k;
  }

  @Override
  public void readFully(byte[] b) throws EOFException {
    readFully(b, 0, b.length);
  }

  @Override
  public void readFully(byte[] b, int off, int len) throws EOFException {
    require(len);
    System.arraycopy(buffer, position, b, off, len);
    position += len;
  }

  @Override
  public int skipBytes(int n) {
    return (int) skip(n);
  }

  @Override
  public boolean readBoolean() throws EOFException {
    return readByte() != 0;
  }

  @Override
  public byte readByte() throws EOFException {
    require(1);
    return buffer[position++];
  }

  @Override
  public int readUnsignedByte() throws EOFException {
    return readByte() & 0xff;
  }

  @Override
  public short readShort() throws EOFException {
    require(2);
    int v = ((buffer[position] & 0xff) << 8) | (buffer[position + 1] & 0xff);
    position += 2;
    return (short) v;
  }

  @Override
  public int readUnsignedShort() throws EOFException {
    return readShort() & 0xffff;
  }

  @Override
  public char readChar() throws EOFException {
    return (char) readShort();
  }

  @Override
  public int readInt() throws EOFException {
    require(4);
    byte[] b = buffer;
    int p = position;
    int v =
        ((b[p] & 0xff) << 24)
            | ((b[p + 1] & 0xff) << 16)
            | ((b[p + 2] & 0xff) << 8)
            | (b[p + 3] & 0xff);
    position = p + 4;
    return v;
  }

  @Override
  public long readLong() throws EOFException {
    long hi = readInt();
    long lo = readInt() & 0xffffffffL;
    return (hi << 32) | lo;
  }

  @Override
  public float readFloat() throws EOFException {
    return Float.intBitsToFloat(readInt());
  }

  @Override
  public double readDouble() throws EOFException {
    return Double.longBitsToDouble(readLong());
  }

  @Override
  public String readLine() {
    throw new UnsupportedOperationException("readLine is not supported; use readUTF");
  }

  /** Reads a string written by {@link DataOutputView#writeUTF(String)}. */
  @Override
  public String readUTF() throws EOFException {
    int n = readInt();
    require(n);
    String s = new String(buffer, position, n, StandardCharsets.UTF_8);
    position += n;
    return s;
  }
}
