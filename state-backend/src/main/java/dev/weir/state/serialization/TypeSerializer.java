package dev.weir.state.serialization;

import java.io.IOException;
import java.io.Serializable;

/**
 * Turns values of one type into bytes and back. Used for records on the wire and for state in
 * snapshots. Implementations may keep scratch state (a Kryo instance, reusable arrays); such
 * implementations must return a fresh copy from {@link #duplicate()}, since every thread that
 * serializes gets its own instance.
 *
 * <p>Serializable: a job graph ships its serializers to the processes that run it. Scratch state is
 * transient and made again where it is needed.
 */
public interface TypeSerializer<T> extends Serializable {

  void serialize(T value, DataOutputView target) throws IOException;

  T deserialize(DataInputView source) throws IOException;

  /**
   * Whether values of this type never change after they are made (boxed numbers, strings, an
   * encoded key): then a value can be shared instead of copied.
   */
  default boolean isImmutableType() {
    return false;
  }

  /**
   * A deep copy of {@code value}: nothing done to the original afterwards changes the copy. The
   * heap backend uses it so that a value a pending snapshot still has to write is never the object
   * handed to user code. The default writes the value and reads it back (always right); serializers
   * of immutable types return the value itself, others may copy faster. Called on the thread that
   * owns this serializer instance.
   */
  default T copy(T value) throws IOException {
    if (value == null || isImmutableType()) {
      return value;
    }
    DataOutputView bytes = new DataOutputView(64);
    serialize(value, bytes);
    DataInputView in = new DataInputView();
    in.setBuffer(bytes.array(), 0, bytes.length());
    return deserialize(in);
  }

  /**
   * A serializer that can be used from another thread. Stateless serializers return {@code this}.
   */
  default TypeSerializer<T> duplicate() {
    return this;
  }
}
