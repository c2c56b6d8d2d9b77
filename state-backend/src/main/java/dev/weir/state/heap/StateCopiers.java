package dev.weir.state.heap;

import dev.weir.state.StateSpec;
import dev.weir.state.serialization.TypeSerializer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;

/**
 * Deep copies of the per-(key, namespace) objects of each kind of state, through the spec's
 * serializers: a value; a list and its elements; a map, its keys and its values. Elements of
 * immutable types are shared, not copied.
 */
final class StateCopiers {

  private StateCopiers() {}

  @SuppressWarnings({"unchecked", "rawtypes"})
  static <S> CopyOnWriteStateMap.StateCopier<S> forSpec(StateSpec<?, ?> spec) {
    TypeSerializer<Object> first = (TypeSerializer<Object>) spec.firstSerializer();
    CopyOnWriteStateMap.StateCopier copier =
        switch (spec.kind()) {
          case VALUE -> first::copy;
          case LIST -> state -> copyList((ArrayList<Object>) state, first);
          case MAP ->
              state ->
                  copyMap(
                      (HashMap<Object, Object>) state,
                      first,
                      (TypeSerializer<Object>) spec.secondSerializer());
        };
    return copier;
  }

  private static ArrayList<Object> copyList(ArrayList<Object> list, TypeSerializer<Object> elements)
      throws IOException {
    if (elements.isImmutableType()) {
      return new ArrayList<>(list);
    }
    ArrayList<Object> copy = new ArrayList<>(list.size() + 4);
    for (Object element : list) {
      copy.add(elements.copy(element));
    }
    return copy;
  }

  private static HashMap<Object, Object> copyMap(
      HashMap<Object, Object> map, TypeSerializer<Object> keys, TypeSerializer<Object> values)
      throws IOException {
    if (keys.isImmutableType() && values.isImmutableType()) {
      return new HashMap<>(map);
    }
    HashMap<Object, Object> copy = new HashMap<>((int) (map.size() / 0.75f) + 1);
    for (Map.Entry<Object, Object> e : map.entrySet()) {
      copy.put(keys.copy(e.getKey()), values.copy(e.getValue()));
    }
    return copy;
  }
}
