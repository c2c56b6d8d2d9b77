package dev.weir.state.serialization;

import java.io.IOException;

/**
 * Turns values of one type into bytes and back. Used for records on the wire and for state in
 * snapshots. Implementations may keep scratch state (a Kryo instance, reusable arrays); such
 * implementations must return a fresh copy from {@link #duplicate()}, since every thread that
 * serializes gets its own instance.
 */
public interface TypeSerializer<T> {

  void serialize(T value, DataOutputView target) throws IOException;

  T deserialize(DataInputView source) throws IOException;

  /**
   * A copy of {@code value} that later in-place changes of the original do not affect. The heap
   * backend uses it to keep a value a snapshot still reads unchanged. Serializers of immutable
   * types return the value itself (the default).
   */
  default T copy(T value) throws IOException {
    return value;
  }

  /**
   * A serializer that can be used from another thread. Stateless serializers return {@code this}.
   */
  default TypeSerializer<T> duplicate() {
    return this;
  }
}
