package dev.weir.translation.operators;

import dev.weir.state.KeyGroups;
import dev.weir.state.KeyedStateBackend;
import dev.weir.translation.wire.KeyBytes;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.WindowedValue;

/**
 * An element a DoFn operator keeps for later (waiting for side inputs, or for stable input) with
 * the key it arrived under ({@code null} when the DoFn is not keyed), and how an operator snapshot
 * stores a list of them: count, then per element its key (if any) and its coded value.
 */
record KeyedElement<T>(KeyBytes key, WindowedValue<T> value) {

  static <T> void writeAll(
      DataOutputStream out, List<KeyedElement<T>> elements, Coder<WindowedValue<T>> coder)
      throws IOException {
    out.writeInt(elements.size());
    for (KeyedElement<T> e : elements) {
      out.writeBoolean(e.key() != null);
      if (e.key() != null) {
        e.key().writeTo(out);
      }
      byte[] value = CoderUtils.encodeToByteArray(coder, e.value());
      out.writeInt(value.length);
      out.write(value);
    }
  }

  /** Reads what {@link #writeAll} wrote; {@code coder} may be null when the count is zero. */
  static <T> List<KeyedElement<T>> readAll(DataInputStream in, Coder<WindowedValue<T>> coder)
      throws IOException {
    int count = in.readInt();
    List<KeyedElement<T>> elements = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      KeyBytes key = null;
      if (in.readBoolean()) {
        byte[] k = new byte[in.readInt()];
        in.readFully(k);
        key = new KeyBytes(k);
      }
      byte[] v = new byte[in.readInt()];
      in.readFully(v);
      elements.add(new KeyedElement<>(key, CoderUtils.decodeFromByteArray(coder, v)));
    }
    return elements;
  }

  /**
   * Keyed elements from operator state cannot move to another subtask: each must belong to {@code
   * keyed}'s key groups (elements without a key, of a DoFn that is not keyed and has a null {@code
   * keyed}, may go anywhere), otherwise this fails naming {@code step} and {@code what}.
   */
  static <T> void requireOwnKeys(
      List<KeyedElement<T>> elements, KeyedStateBackend<?> keyed, String step, String what) {
    for (KeyedElement<T> e : elements) {
      if (e.key() != null
          && keyed != null
          && !keyed
              .keyGroupRange()
              .contains(KeyGroups.keyGroupFor(e.key(), keyed.maxParallelism()))) {
        throw new IllegalStateException(
            "step '" + step + "' was restored at another parallelism with " + what);
      }
    }
  }
}
