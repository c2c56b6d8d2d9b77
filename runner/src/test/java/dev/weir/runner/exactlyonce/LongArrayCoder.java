package dev.weir.runner.exactlyonce;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;

/**
 * A {@code long[]}: the kind of mutable value Beam's own accumulators are (Sum, Count keep one).
 */
final class LongArrayCoder extends AtomicCoder<long[]> {

  static final LongArrayCoder INSTANCE = new LongArrayCoder();

  private LongArrayCoder() {}

  @Override
  public void encode(long[] value, OutputStream out) throws IOException {
    DataOutputStream data = new DataOutputStream(out);
    data.writeInt(value.length);
    for (long v : value) {
      data.writeLong(v);
    }
    data.flush();
  }

  @Override
  public long[] decode(InputStream in) throws IOException {
    DataInputStream data = new DataInputStream(in);
    long[] value = new long[data.readInt()];
    for (int i = 0; i < value.length; i++) {
      value[i] = data.readLong();
    }
    return value;
  }
}
