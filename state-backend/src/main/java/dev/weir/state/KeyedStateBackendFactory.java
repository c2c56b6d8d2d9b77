package dev.weir.state;

import dev.weir.state.heap.HeapKeyedStateBackend;
import dev.weir.state.serialization.TypeSerializer;
import java.io.IOException;

/** Creates the keyed state backend of one operator subtask: where a job's keyed state lives. */
public interface KeyedStateBackendFactory {

  <K> KeyedStateBackend<K> create(
      String operator, int subtask, TypeSerializer<K> keys, KeyGroupRange range, int maxParallelism)
      throws IOException;

  /** State in Java objects on the heap (the default). */
  KeyedStateBackendFactory HEAP =
      new KeyedStateBackendFactory() {
        @Override
        public <K> KeyedStateBackend<K> create(
            String operator,
            int subtask,
            TypeSerializer<K> keys,
            KeyGroupRange range,
            int maxParallelism) {
          return new HeapKeyedStateBackend<>(keys, range, maxParallelism);
        }

        @Override
        public String toString() {
          return "heap";
        }
      };
}
