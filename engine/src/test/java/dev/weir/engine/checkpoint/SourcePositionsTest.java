package dev.weir.engine.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, point 5: every restore handed stored source positions to {@code
 * ObjectInputStream.readObject} with no filter, so a planted checkpoint file ran any class's
 * deserialization code. Positions are now plain values in an explicit, versioned encoding.
 */
class SourcePositionsTest {

  /** Records whether Java deserialization ever ran its code. */
  static final class Tripwire implements Serializable {
    private static final long serialVersionUID = 1L;
    static volatile boolean tripped;

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
      in.defaultReadObject();
      tripped = true;
    }
  }

  @Test
  void plainValuesSurviveTheRoundTrip() throws IOException {
    List<Object> position =
        Arrays.asList(
            null,
            true,
            false,
            7,
            -3L,
            "split é",
            new byte[] {1, 2, 3},
            new long[] {4, 5},
            List.of(Arrays.asList(2, null, 9L, false)));
    Object read = SourcePositions.deserialize(SourcePositions.serialize(position));
    assertThat(read).usingRecursiveComparison().isEqualTo(position);
    assertThat(SourcePositions.serialize(null)).isNull();
  }

  @Test
  void anythingElseIsRefusedNamingItsType() {
    assertThatThrownBy(() -> SourcePositions.serialize(List.of(new Tripwire())))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(Tripwire.class.getName())
        .hasMessageContaining("must return null, Boolean, Integer, Long, String");
  }

  @Test
  void javaSerializedBytesAreRefusedWithoutRunningAnyOfTheirCode() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(new Tripwire());
    }
    Tripwire.tripped = false;
    assertThatThrownBy(() -> SourcePositions.deserialize(bytes.toByteArray()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("format version");
    assertThat(Tripwire.tripped).as("a class's deserialization code ran").isFalse();
  }

  @Test
  void damagedBytesAreAnIOExceptionNeverAnOutOfMemoryError() throws IOException {
    byte[] good = SourcePositions.serialize(List.of(new long[] {1, 2, 3}, "x"));
    byte[] hugeCount = good.clone();
    ByteBuffer.wrap(hugeCount).putInt(2, Integer.MAX_VALUE); // the list's size
    byte[] unknownTag = good.clone();
    unknownTag[1] = 99;
    byte[] trailing = Arrays.copyOf(good, good.length + 1);
    for (byte[] damaged :
        List.of(hugeCount, unknownTag, trailing, Arrays.copyOf(good, good.length - 1))) {
      assertThatThrownBy(() -> SourcePositions.deserialize(damaged))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("source position");
    }
  }
}
