package dev.weir.state.heap;

import dev.weir.state.KeyGroupRange;
import dev.weir.state.KeyedStateBackend;
import dev.weir.state.KeyedStateBackendFactory;
import dev.weir.state.serialization.TypeSerializer;

/** State in Java objects on the heap: the default backend, the fastest while state fits. */
public final class HeapStateBackendFactory implements KeyedStateBackendFactory {

  /** The heap backend has no settings, so one instance serves every job. */
  public static final HeapStateBackendFactory INSTANCE = new HeapStateBackendFactory();

  private HeapStateBackendFactory() {}

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
}
