package dev.weir.state.heap;

import dev.weir.state.StateSpec;
import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.DataOutputView;
import dev.weir.state.serialization.TypeSerializer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;

/** Writes and reads the per-(key, namespace) object of a state table, by the kind of its spec. */
final class StateEntryCodec {

  private StateEntryCodec() {}

  @SuppressWarnings({"unchecked", "rawtypes"})
  static void write(StateSpec<?, ?> spec, Object state, DataOutputView out) throws IOException {
    TypeSerializer first = spec.firstSerializer();
    switch (spec.kind()) {
      case VALUE -> first.serialize(state, out);
      case LIST -> {
        ArrayList<?> list = (ArrayList<?>) state;
        out.writeInt(list.size());
        for (Object element : list) {
          first.serialize(element, out);
        }
      }
      case MAP -> {
        TypeSerializer second = spec.secondSerializer();
        HashMap<?, ?> map = (HashMap<?, ?>) state;
        out.writeInt(map.size());
        for (Map.Entry<?, ?> e : map.entrySet()) {
          first.serialize(e.getKey(), out);
          second.serialize(e.getValue(), out);
        }
      }
    }
  }

  static Object read(StateSpec<?, ?> spec, DataInputView in) throws IOException {
    TypeSerializer<?> first = spec.firstSerializer();
    switch (spec.kind()) {
      case VALUE:
        return first.deserialize(in);
      case LIST:
        {
          int n = in.readInt();
          ArrayList<Object> list = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            list.add(first.deserialize(in));
          }
          return list;
        }
      case MAP:
        {
          TypeSerializer<?> second = spec.secondSerializer();
          int n = in.readInt();
          HashMap<Object, Object> map = new HashMap<>();
          for (int i = 0; i < n; i++) {
            Object k = first.deserialize(in);
            map.put(k, second.deserialize(in));
          }
          return map;
        }
      default:
        throw new IllegalStateException("unknown state kind " + spec.kind());
    }
  }
}
