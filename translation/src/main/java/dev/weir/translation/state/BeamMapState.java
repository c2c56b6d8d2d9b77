package dev.weir.translation.state;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.beam.sdk.state.MapState;
import org.apache.beam.sdk.state.ReadableState;

/** Beam's MapState on an engine map state. Iterables read are copies taken when read. */
final class BeamMapState<K, V> extends EngineBackedState implements MapState<K, V> {

  private final dev.weir.state.MapState<String, K, V> state;
  private final String namespace;

  BeamMapState(dev.weir.state.MapState<String, K, V> state, String namespace) {
    super(state, namespace);
    this.state = state;
    this.namespace = namespace;
  }

  @Override
  public void put(K key, V value) {
    state.put(namespace, key, value);
  }

  @Override
  public ReadableState<V> computeIfAbsent(K key, Function<? super K, ? extends V> mappingFunction) {
    V previous = state.get(namespace, key);
    if (previous == null) {
      state.put(namespace, key, mappingFunction.apply(key));
    }
    return Readables.immediate(previous);
  }

  @Override
  public void remove(K key) {
    state.remove(namespace, key);
  }

  @Override
  public ReadableState<V> get(K key) {
    return Readables.of(() -> state.get(namespace, key));
  }

  @Override
  public ReadableState<V> getOrDefault(K key, V defaultValue) {
    return Readables.of(
        () -> {
          V v = state.get(namespace, key);
          return v == null ? defaultValue : v;
        });
  }

  @Override
  public ReadableState<Iterable<K>> keys() {
    return Readables.of(
        () -> {
          List<K> keys = new ArrayList<>();
          for (Map.Entry<K, V> e : state.entries(namespace)) {
            keys.add(e.getKey());
          }
          return keys;
        });
  }

  @Override
  public ReadableState<Iterable<V>> values() {
    return Readables.of(
        () -> {
          List<V> values = new ArrayList<>();
          for (Map.Entry<K, V> e : state.entries(namespace)) {
            values.add(e.getValue());
          }
          return values;
        });
  }

  @Override
  public ReadableState<Iterable<Map.Entry<K, V>>> entries() {
    return Readables.of(
        () -> {
          List<Map.Entry<K, V>> entries = new ArrayList<>();
          for (Map.Entry<K, V> e : state.entries(namespace)) {
            entries.add(new AbstractMap.SimpleImmutableEntry<>(e.getKey(), e.getValue()));
          }
          return entries;
        });
  }

  @Override
  public ReadableState<Boolean> isEmpty() {
    return Readables.of(() -> state.isEmpty(namespace));
  }

  @Override
  public void clear() {
    state.clear(namespace);
  }
}
