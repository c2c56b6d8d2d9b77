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

  /**
   * Reads only registered classes: the declared type and plain JDK values. For bytes read back from
   * checkpoints, which come from outside the process: Kryo must not instantiate whatever class a
   * planted file names.
   */
  private final boolean registeredOnly;

  /**
   * Plain values a registered-only serializer reads besides its declared type, with fixed ids (they
   * are persisted): never reorder or remove, only append. Kryo registers primitives, their wrappers
   * and String itself.
   */
  private static final Class<?>[] PLAIN_VALUES = {
    byte[].class,
    int[].class,
    long[].class,
    double[].class,
    boolean[].class,
    char[].class,
    String[].class
  };

  private static final int FIRST_PLAIN_ID = 100;
  private static final int DECLARED_TYPE_ID = FIRST_PLAIN_ID + PLAIN_VALUES.length;

  /** A final declared type needs no class tag per record: every record is of exactly that type. */
  private final boolean exactType;

  private transient Kryo kryo;
  private transient Output output;
  private transient Input input;

  public KryoSerializer(Class<?> type) {
    this(type, false);
  }

  private KryoSerializer(Class<?> type, boolean registeredOnly) {
    this.type = type;
    this.registeredOnly = registeredOnly;
    this.exactType = type != null && (type.isArray() || Modifier.isFinal(type.getModifiers()));
  }

  /**
   * A serializer for state that checkpoints keep: it writes and reads only {@code type} and plain
   * JDK values (boxed primitives, String, primitive arrays); anything else fails naming the class,
   * and a checkpoint file cannot make it instantiate another class. Give keyed vertices and timer
   * namespaces of other types a serializer of their own.
   */
  public static <T> KryoSerializer<T> registeredOnly(Class<?> type) {
    return new KryoSerializer<>(type, true);
  }

  private void init() {
    kryo = new Kryo();
    kryo.setRegistrationRequired(registeredOnly);
    kryo.setReferences(false);
    kryo.setInstantiatorStrategy(new DefaultInstantiatorStrategy(new StdInstantiatorStrategy()));
    boolean concrete = type != null && type != Object.class && !type.isInterface();
    if (registeredOnly) {
      for (int i = 0; i < PLAIN_VALUES.length; i++) {
        kryo.register(PLAIN_VALUES[i], FIRST_PLAIN_ID + i);
      }
      if (concrete && kryo.getClassResolver().getRegistration(type) == null) {
        kryo.register(type, DECLARED_TYPE_ID);
      }
    } else if (concrete) {
      kryo.register(type);
    }
    output = new Output(256, -1);
    input = new Input();
  }

  @Override
  public void serialize(T value, DataOutputView target) {
    if (value == null && !exactType) {
      // The byte Kryo writes for null (class id NULL), without creating a Kryo for it: null
      // namespaces and values are common and a snapshot writer duplicates its serializer.
      target.writeByte(Kryo.NULL);
      return;
    }
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
    if (!exactType && source.remaining() > 0 && source.array()[source.position()] == Kryo.NULL) {
      source.skipTo(source.position() + 1);
      return null;
    }
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
    return new KryoSerializer<>(type, registeredOnly);
  }

  @Override
  public String toString() {
    return "KryoSerializer(" + (type == null ? "any" : type.getName()) + ")";
  }
}
