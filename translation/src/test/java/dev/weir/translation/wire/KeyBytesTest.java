package dev.weir.translation.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.DataOutputView;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Keys held inline (up to eight bytes) and in an array behave as their bytes: the same bytes, hash,
 * equality, order and serialized form, whichever way they are held.
 */
class KeyBytesTest {

  /**
   * Encodings of every length up to 20, biased to short ones, zero and 0xFF bytes, and prefixes.
   */
  private static List<byte[]> encodings() {
    Random random = new Random(11);
    List<byte[]> all = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      int n = i < 400 ? random.nextInt(10) : random.nextInt(21);
      byte[] b = new byte[n];
      for (int j = 0; j < n; j++) {
        int kind = random.nextInt(4);
        b[j] = kind == 0 ? 0 : kind == 1 ? (byte) 0xFF : (byte) random.nextInt(256);
      }
      all.add(b);
      if (n > 0) {
        all.add(Arrays.copyOf(b, random.nextInt(n))); // a prefix of it
        all.add(Arrays.copyOf(b, n + 1 + random.nextInt(9))); // it, zero-extended
      }
    }
    return all;
  }

  @Test
  void holdsTheBytesHashesAndWritesThemAsGiven() throws Exception {
    for (byte[] b : encodings()) {
      KeyBytes key = new KeyBytes(b.clone());
      assertThat(key.bytes()).isEqualTo(b);
      assertThat(key.length()).isEqualTo(b.length);
      assertThat(key.hashCode()).isEqualTo(KeyBytes.hashOf(b, 0, b.length));
      assertThat(key).isEqualTo(new KeyBytes(b.clone())).hasSameHashCodeAs(new KeyBytes(b));

      ByteArrayOutputStream expected = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(expected);
      out.writeInt(b.length);
      out.write(b);
      ByteArrayOutputStream written = new ByteArrayOutputStream();
      key.writeTo(new DataOutputStream(written));
      assertThat(written.toByteArray()).isEqualTo(expected.toByteArray());

      DataOutputView view = new DataOutputView(16);
      new EncodedKey.Serializer().serialize(key, view);
      KeyBytes back =
          new EncodedKey.Serializer().deserialize(new DataInputView(view.toByteArray()));
      assertThat(back).isEqualTo(key);
    }
  }

  @Test
  void keysWhoseHashesCollideAreStillDifferentKeys() {
    // A birthday search among 8-byte and 12-byte keys: colliding pairs of both forms.
    for (int length : new int[] {8, 12}) {
      Map<Integer, byte[]> seen = new HashMap<>();
      byte[][] pair = null;
      for (long i = 0; pair == null && i < 2_000_000; i++) {
        byte[] b = ByteBuffer.allocate(length).putLong(length - 8, i * 0x9E3779B97F4A7C15L).array();
        byte[] other = seen.putIfAbsent(KeyBytes.hashOf(b, 0, length), b);
        if (other != null) {
          pair = new byte[][] {other, b};
        }
      }
      assertThat(pair).as("a hash collision among %d-byte keys", length).isNotNull();
      KeyBytes a = new KeyBytes(pair[0]);
      KeyBytes b = new KeyBytes(pair[1]);
      assertThat(a.hashCode()).isEqualTo(b.hashCode());
      assertThat(a).isNotEqualTo(b);
      assertThat(Integer.signum(KeyBytes.compareUnsigned(a, b)))
          .isEqualTo(Integer.signum(Arrays.compareUnsigned(pair[0], pair[1])))
          .isNotZero();
    }
  }

  @Test
  void equalityAndOrderFollowTheBytes() {
    List<byte[]> all = encodings();
    Random random = new Random(13);
    for (int i = 0; i < 20_000; i++) {
      byte[] a = all.get(random.nextInt(all.size()));
      byte[] b = all.get(random.nextInt(all.size()));
      KeyBytes ka = new KeyBytes(a);
      KeyBytes kb = new KeyBytes(b);
      assertThat(ka.equals(kb)).as("%s vs %s", ka, kb).isEqualTo(Arrays.equals(a, b));
      assertThat(Integer.signum(KeyBytes.compareUnsigned(ka, kb)))
          .as("%s vs %s", ka, kb)
          .isEqualTo(Integer.signum(Arrays.compareUnsigned(a, b)));
    }
  }
}
