package dev.weir.state;

import dev.weir.state.serialization.TypeSerializer;
import java.io.IOException;
import java.util.Objects;

/**
 * Declares a piece of keyed state: its name (unique within an operator), its kind and the
 * serializers its snapshots use. Asking a backend twice for the same spec returns the same state.
 */
public final class StateSpec<N, S> {

  /** What shape of state a spec declares. */
  /** What a state holds; persisted by its {@link #code()}, never by its ordinal. */
  public enum Kind {
    VALUE(1),
    LIST(2),
    MAP(3);

    private final int code;

    Kind(int code) {
      this.code = code;
    }

    /** The kind's number in snapshots; once used, a code keeps its meaning. */
    public int code() {
      return code;
    }

    /**
     * The kind with {@code code}.
     *
     * @throws IOException for a code no kind has (a damaged or newer snapshot)
     */
    public static Kind ofCode(int code) throws IOException {
      for (Kind k : values()) {
        if (k.code == code) {
          return k;
        }
      }
      throw new IOException("keyed state snapshot names an unknown state kind " + code);
    }
  }

  private final String name;
  private final Kind kind;
  private final TypeSerializer<N> namespaceSerializer;
  private final TypeSerializer<?> first;
  private final TypeSerializer<?> second;

  private StateSpec(
      String name,
      Kind kind,
      TypeSerializer<N> namespaceSerializer,
      TypeSerializer<?> first,
      TypeSerializer<?> second) {
    this.name = Objects.requireNonNull(name, "name");
    this.kind = kind;
    this.namespaceSerializer = Objects.requireNonNull(namespaceSerializer, "namespace serializer");
    this.first = Objects.requireNonNull(first, "serializer");
    this.second = second;
  }

  public static <N, V> StateSpec<N, ValueState<N, V>> value(
      String name, TypeSerializer<N> namespaces, TypeSerializer<V> values) {
    return new StateSpec<>(name, Kind.VALUE, namespaces, values, null);
  }

  public static <N, E> StateSpec<N, ListState<N, E>> list(
      String name, TypeSerializer<N> namespaces, TypeSerializer<E> elements) {
    return new StateSpec<>(name, Kind.LIST, namespaces, elements, null);
  }

  public static <N, K, V> StateSpec<N, MapState<N, K, V>> map(
      String name, TypeSerializer<N> namespaces, TypeSerializer<K> keys, TypeSerializer<V> values) {
    return new StateSpec<>(
        name, Kind.MAP, namespaces, keys, Objects.requireNonNull(values, "value serializer"));
  }

  /**
   * The same spec with serializers another thread may use (for writing snapshots off the task
   * thread).
   */
  public StateSpec<N, S> duplicate() {
    return new StateSpec<>(
        name,
        kind,
        namespaceSerializer.duplicate(),
        first.duplicate(),
        second == null ? null : second.duplicate());
  }

  public String name() {
    return name;
  }

  public Kind kind() {
    return kind;
  }

  public TypeSerializer<N> namespaceSerializer() {
    return namespaceSerializer;
  }

  /** Values of VALUE state, elements of LIST state, keys of MAP state. */
  public TypeSerializer<?> firstSerializer() {
    return first;
  }

  /** Values of MAP state; {@code null} for the other kinds. */
  public TypeSerializer<?> secondSerializer() {
    return second;
  }

  @Override
  public String toString() {
    return kind + " state '" + name + "'";
  }
}
