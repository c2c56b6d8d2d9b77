package dev.weir.state.serialization;

import java.io.IOException;

/** Serializers for the JDK types that state and tests use most. */
public final class Serializers {

  private Serializers() {}

  public static final TypeSerializer<Long> LONG = new TypeSerializer<>() {
    @Override
    public void serialize(Long value, DataOutputView target) {
      target.writeLong(value);
    }

    @Override
    public Long deserialize(DataInputView source) throws IOException {
      return source.readLong();
    }
  };

  public static final TypeSerializer<Integer> INT = new TypeSerializer<>() {
    @Override
    public void serialize(Integer value, DataOutputView target) {
      target.writeInt(value);
    }

    @Override
    public Integer deserialize(DataInputView source) throws IOException {
      return source.readInt();
    }
  };

  public static final TypeSerializer<String> STRING = new TypeSerializer<>() {
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
  public static final TypeSerializer<Void> VOID = new TypeSerializer<>() {
    @Override
    public void serialize(Void value, DataOutputView target) {}

    @Override
    public Void deserialize(DataInputView source) {
      return null;
    }
  };

  public static final TypeSerializer<Boolean> BOOLEAN = new TypeSerializer<>() {
    @Override
    public void serialize(Boolean value, DataOutputView target) {
      target.writeBoolean(value);
    }

    @Override
    public Boolean deserialize(DataInputView source) throws IOException {
      return source.readBoolean();
    }
  };
}
