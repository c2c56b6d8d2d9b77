package dev.weir.translation.wire;

import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.DataOutputView;
import dev.weir.state.serialization.TypeSerializer;
import java.io.IOException;
import java.io.Serializable;
import java.util.Set;
import org.apache.beam.sdk.coders.BigDecimalCoder;
import org.apache.beam.sdk.coders.BigEndianIntegerCoder;
import org.apache.beam.sdk.coders.BigEndianLongCoder;
import org.apache.beam.sdk.coders.BigEndianShortCoder;
import org.apache.beam.sdk.coders.BigIntegerCoder;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.ByteCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.DoubleCoder;
import org.apache.beam.sdk.coders.DurationCoder;
import org.apache.beam.sdk.coders.FloatCoder;
import org.apache.beam.sdk.coders.InstantCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.TextualIntegerCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.coders.VoidCoder;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.WindowedValues;

/**
 * The engine's serializer interface implemented by a Beam coder: records between tasks, state in
 * snapshots.
 */
public final class CoderSerializer<T> implements TypeSerializer<T>, Serializable {

  private static final long serialVersionUID = 1L;

  /**
   * Coders whose values never change once made (boxed numbers, strings, Joda instants, windows,
   * panes).
   */
  private static final Set<Class<?>> IMMUTABLE_VALUES =
      Set.of(
          VarLongCoder.class,
          BigEndianLongCoder.class,
          VarIntCoder.class,
          BigEndianIntegerCoder.class,
          BigEndianShortCoder.class,
          TextualIntegerCoder.class,
          StringUtf8Coder.class,
          BooleanCoder.class,
          DoubleCoder.class,
          FloatCoder.class,
          InstantCoder.class,
          DurationCoder.class,
          ByteCoder.class,
          VoidCoder.class,
          BigIntegerCoder.class,
          BigDecimalCoder.class,
          IntervalWindow.getCoder().getClass(),
          GlobalWindow.Coder.class,
          PaneInfo.PaneInfoCoder.class);

  /**
   * Coders of value classes that are immutable when everything they hold is (KV, a nullable, a
   * windowed value).
   */
  private static final Set<Class<?>> IMMUTABLE_CONTAINERS =
      Set.of(
          KvCoder.class,
          NullableCoder.class,
          WindowedValues.FullWindowedValueCoder.class,
          WindowedValues.ValueOnlyWindowedValueCoder.class,
          WindowedValues.ParamWindowedValueCoder.class);

  private final Coder<T> coder;
  private final boolean immutable;
  private transient DataOutputView copyBuffer;
  private transient DataInputView copyInput;

  public CoderSerializer(Coder<T> coder) {
    this.coder = coder;
    this.immutable = isImmutable(coder);
  }

  /**
   * Whether a coder's values never change once made, judged by its class and those of its
   * components.
   */
  static boolean isImmutable(Coder<?> coder) {
    if (IMMUTABLE_VALUES.contains(coder.getClass())) {
      return true;
    }
    if (!IMMUTABLE_CONTAINERS.contains(coder.getClass())) {
      return false;
    }
    for (Coder<?> component : coder.getCoderArguments()) {
      if (!isImmutable(component)) {
        return false;
      }
    }
    if (coder instanceof WindowedValues.FullWindowedValueCoder<?> windowed) {
      return isImmutable(windowed.getWindowCoder());
    }
    return true;
  }

  public Coder<T> coder() {
    return coder;
  }

  @Override
  public void serialize(T value, DataOutputView target) throws IOException {
    coder.encode(value, target);
  }

  @Override
  public T deserialize(DataInputView source) throws IOException {
    return coder.decode(source);
  }

  @Override
  public boolean isImmutableType() {
    return immutable;
  }

  /**
   * Through the coder's encoding (Beam's own definition of a value), unless values are immutable.
   * Encodes into a buffer this instance keeps, so each thread needs its own {@link #duplicate()}.
   */
  @Override
  public T copy(T value) throws IOException {
    if (value == null || immutable) {
      return value;
    }
    if (copyBuffer == null) {
      copyBuffer = new DataOutputView(64);
      copyInput = new DataInputView();
    }
    copyBuffer.clear();
    coder.encode(value, copyBuffer);
    copyInput.setBuffer(copyBuffer.array(), 0, copyBuffer.length());
    return coder.decode(copyInput);
  }

  /** Another instance: {@link #copy} keeps a buffer per instance. */
  @Override
  public TypeSerializer<T> duplicate() {
    return new CoderSerializer<>(coder);
  }

  @Override
  public String toString() {
    return "CoderSerializer(" + coder + ")";
  }
}
