package dev.weir.translation.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.weir.engine.graph.KeySelector;
import java.util.List;
import java.util.Random;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;
import org.junit.jupiter.api.Test;

class EncodedKeyTest {

  @Test
  void encodesTheBytesCoderUtilsGives() throws Exception {
    Random random = new Random(3);
    for (int i = 0; i < 2_000; i++) {
      long number = random.nextLong() >> random.nextInt(64);
      String text = "k".repeat(random.nextInt(5)) + number;
      // Now and then a key larger than the buffer a thread keeps.
      byte[] raw = new byte[i % 500 == 0 ? 100_000 : random.nextInt(20)];
      random.nextBytes(raw);

      assertSameBytes(VarLongCoder.of(), number);
      assertSameBytes(VarLongCoder.of(), (long) random.nextInt(300));
      // Outer context: a string or byte array without its length, a KV's value likewise.
      assertSameBytes(StringUtf8Coder.of(), text);
      assertSameBytes(ByteArrayCoder.of(), raw);
      assertSameBytes(KvCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of()), KV.of(text, raw));
    }
  }

  @Test
  void encodesEveryLengthOfVarLongLikeCoderUtils() throws Exception {
    for (int shift = 0; shift < 64; shift++) {
      for (long v : new long[] {1L << shift, (1L << shift) - 1, -(1L << shift), Long.MAX_VALUE}) {
        assertSameBytes(VarLongCoder.of(), v);
      }
    }
  }

  @Test
  void decodesLongsLikeCoderUtilsAndRefusesWhatItRefuses() throws Exception {
    Random random = new Random(5);
    for (int i = 0; i < 2_000; i++) {
      long number = random.nextLong() >> random.nextInt(64);
      KeyBytes encoded = EncodedKey.encode(VarLongCoder.of(), number);
      assertThat(EncodedKey.decode(VarLongCoder.of(), encoded)).isEqualTo(number);
    }
    // Malformed: a continuation bit at the end, trailing bytes, too long, empty.
    byte[][] bad = {
      {(byte) 0x80}, {1, 2}, {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1}, {},
    };
    for (byte[] b : bad) {
      Throwable beams = catchThrowable(() -> CoderUtils.decodeFromByteArray(VarLongCoder.of(), b));
      Throwable ours = catchThrowable(() -> EncodedKey.decode(VarLongCoder.of(), new KeyBytes(b)));
      assertThat(beams).isNotNull();
      assertThat(ours).isInstanceOf(beams.getClass()).hasMessage(beams.getMessage());
    }
  }

  @Test
  void decodesWhatItEncoded() throws Exception {
    for (String key : List.of("", "a", "weir", "\u00e9t\u00e9")) {
      KeyBytes encoded = EncodedKey.encode(StringUtf8Coder.of(), key);
      assertThat(EncodedKey.decode(StringUtf8Coder.of(), encoded)).isEqualTo(key);
    }
  }

  private static <T> void assertSameBytes(Coder<T> coder, T value) throws Exception {
    KeyBytes encoded = EncodedKey.encode(coder, value);
    byte[] expected = CoderUtils.encodeToByteArray(coder, value);
    assertThat(encoded.bytes()).isEqualTo(expected);
    // However the key is held (a long packed as it is encoded, or an array), it is its bytes.
    assertThat(encoded).isEqualTo(new KeyBytes(expected)).hasSameHashCodeAs(new KeyBytes(expected));
    // A sender's hash without the bytes is the receiver's hash of them.
    assertThat(EncodedKey.hash(coder, value)).isEqualTo(encoded.hashCode());
    KeySelector<WindowedValue<KV<T, String>>, KeyBytes> keys = EncodedKey.ofKv(coder);
    WindowedValue<KV<T, String>> record = WindowedValues.valueInGlobalWindow(KV.of(value, "v"));
    assertThat(keys.keyHash(record)).isEqualTo(keys.getKey(record).hashCode());
  }
}
