package dev.weir.engine.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.DefaultInstantiatorStrategy;
import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.DataOutputView;
import dev.weir.state.serialization.TypeSerializer;
import java.io.Serializable;
import java.lang.reflect.Modifier;
import org.objenesis.strategy.StdInstantiatorStrategy;

/**
 * The default serializer for plain Java types: Kryo, with the declared type registered so its
 * records carry a small class id. Holds a Kryo instance, so each thread needs its own {@link
 * #duplicate()}; the instance is created lazily, the serializer itself ships as its type name.
 */
public final class KryoSerializer<T> implements TypeSerializer<T>, Serializable {

  private static final long serialVersionUID = 1L;

  private final Class<?> type;

  /** A final declared type needs no class tag per record: every record is of exactly that type. */
  private final boolean exactType;

  private transient Kryo kryo;
  private transient Output output;
  private transient Input input;

  public KryoSerializer(Class<?> type) {
    this.type = type;
    this.exactType = type != null && (type.isArray() || Modifier.isFinal(type.getModifiers()));
  }

  private void init() {
    kryo = new Kryo();
    kryo.setRegistrationRequired(false);
    kryo.setReferences(false);
    kryo.setInstantiatorStrategy(new DefaultInstantiatorStrategy(new StdInstantiatorStrategy()));
    if (type != null && type != Object.class && !type.isInterface()) {
      kryo.register(type);
    }
    output = new Output(256, -1);
    input = new Input();
  }

  @Override
  public void serialize(T value, DataOutputView target) {
    if (kryo == null) {
      init();
    }
    output.setPosition(0);
    if (exactType) {
      kryo.writeObject(output, value);
    } else {
      kryo.writeClassAndObject(output, value);
    }
    target.write(output.getBuffer(), 0, output.position());
  }

  @Override
  @SuppressWarnings("unchecked")
  public T deserialize(DataInputView source) {
    if (kryo == null) {
      init();
    }
    input.setBuffer(source.array(), source.position(), source.remaining());
    T value = exactType ? (T) kryo.readObject(input, type) : (T) kryo.readClassAndObject(input);
    source.skipTo(input.position());
    return value;
  }

  @Override
  public TypeSerializer<T> duplicate() {
    return new KryoSerializer<>(type);
  }

  @Override
  public String toString() {
    return "KryoSerializer(" + (type == null ? "any" : type.getName()) + ")";
  }
}
