package dev.weir.state.serialization;

import java.io.IOException;

/**
 * Serializers for the JDK types that state and tests use most (all of immutable types), and {@link
 * #asImmutable}.
 */
public final class Serializers {

  private Serializers() {}

  public static final TypeSerializer<Long> LONG =
      new TypeSerializer<>() {
        @Override
        public boolean isImmutableType() {
          return true;
        }

        @Override
        public void serialize(Long value, DataOutputView target) {
          target.writeLong(value);
        }

        @Override
        public Long deserialize(DataInputView source) throws IOException {
          return source.readLong();
        }
      };

  public static final TypeSerializer<Integer> INT =
      new TypeSerializer<>() {
        @Override
        public boolean isImmutableType() {
          return true;
        }

        @Override
        public void serialize(Integer value, DataOutputView target) {
          target.writeInt(value);
        }

        @Override
        public Integer deserialize(DataInputView source) throws IOException {
          return source.readInt();
        }
      };

  public static final TypeSerializer<String> STRING =
      new TypeSerializer<>() {
        @Override
        public boolean isImmutableType() {
          return true;
        }

        @Override
        public void serialize(String value, DataOutputView target) {
          target.writeUTF(value);
        }

        @Override
        public String deserialize(DataInputView source) throws IOException {
          return source.readUTF();
        }
      };

  /** For state that has no namespace: writes nothing, reads {@code null}. */
  public static final TypeSerializer<Void> VOID =
      new TypeSerializer<>() {
        @Override
        public boolean isImmutableType() {
          return true;
        }

        @Override
        public void serialize(Void value, DataOutputView target) {}

        @Override
        public Void deserialize(DataInputView source) {
          return null;
        }
      };

  public static final TypeSerializer<Boolean> BOOLEAN =
      new TypeSerializer<>() {
        @Override
        public boolean isImmutableType() {
          return true;
        }

        @Override
        public void serialize(Boolean value, DataOutputView target) {
          target.writeBoolean(value);
        }

        @Override
        public Boolean deserialize(DataInputView source) throws IOException {
          return source.readBoolean();
        }
      };

  /**
   * {@code serializer} for values that nobody changes in place once stored, whatever their type
   * (Beam's elements: the model forbids changing an input), so the heap backend shares them with
   * snapshots instead of copying them.
   */
  public static <T> TypeSerializer<T> asImmutable(TypeSerializer<T> serializer) {
    if (serializer.isImmutableType()) {
      return serializer;
    }
    return new TypeSerializer<>() {
      @Override
      public boolean isImmutableType() {
        return true;
      }

      @Override
      public void serialize(T value, DataOutputView target) throws IOException {
        serializer.serialize(value, target);
      }

      @Override
      public T deserialize(DataInputView source) throws IOException {
        return serializer.deserialize(source);
      }

      @Override
      public TypeSerializer<T> duplicate() {
        TypeSerializer<T> copy = serializer.duplicate();
        return copy == serializer ? this : asImmutable(copy);
      }

      @Override
      public String toString() {
        return "immutable " + serializer;
      }
    };
  }
}
