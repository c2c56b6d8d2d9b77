package dev.weir.engine.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.DataOutputView;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, point 5: keys and timer namespaces are read back from checkpoints with Kryo; without
 * registration a planted file could name any class for Kryo to instantiate.
 */
class KryoSerializerTest {

  /** A class a forged checkpoint might name. */
  static final class Gadget {
    String command = "rm -rf /";
  }

  private static byte[] write(KryoSerializer<Object> s, Object value) {
    DataOutputView out = new DataOutputView(64);
    s.serialize(value, out);
    return Arrays.copyOf(out.array(), out.length());
  }

  private static Object read(KryoSerializer<Object> s, byte[] bytes) {
    return s.deserialize(new DataInputView(bytes));
  }

  @Test
  void plainValuesRoundTrip() {
    KryoSerializer<Object> keys = KryoSerializer.registeredOnly(Object.class);
    for (Object v : List.of(7L, 3, "key", true, 2.5d)) {
      assertThat(read(keys, write(keys, v))).isEqualTo(v);
    }
    assertThat((long[]) read(keys, write(keys, new long[] {1, 2}))).containsExactly(1, 2);
    assertThat(read(keys, write(keys, null))).isNull();
  }

  /** Null is written without a Kryo instance: the bytes must be Kryo's own, both ways. */
  @Test
  void nullIsWrittenAndReadAsKryoDoes() {
    com.esotericsoftware.kryo.Kryo kryo = new com.esotericsoftware.kryo.Kryo();
    com.esotericsoftware.kryo.io.Output output = new com.esotericsoftware.kryo.io.Output(16);
    kryo.writeClassAndObject(output, null);
    byte[] kryosNull = output.toBytes();
    KryoSerializer<Object> namespaces = KryoSerializer.registeredOnly(Object.class);
    assertThat(write(namespaces, null)).isEqualTo(kryosNull);
    // Read back in a stream of values: null, then a value after it.
    DataOutputView out = new DataOutputView(64);
    namespaces.serialize(null, out);
    namespaces.serialize("after", out);
    DataInputView in = new DataInputView(Arrays.copyOf(out.array(), out.length()));
    assertThat(namespaces.deserialize(in)).isNull();
    assertThat(namespaces.deserialize(in)).isEqualTo("after");
    assertThat(in.remaining()).isZero();
  }

  @Test
  void bytesNamingAnyOtherClassAreRefused() {
    byte[] forged = write(new KryoSerializer<>(Object.class), new Gadget());
    KryoSerializer<Object> keys = KryoSerializer.registeredOnly(Object.class);
    assertThatThrownBy(() -> read(keys, forged)).hasMessageContaining("not registered");
    assertThatThrownBy(() -> write(keys, new Gadget()))
        .hasMessageContaining("not registered")
        .hasMessageContaining(Gadget.class.getName());
  }
}
