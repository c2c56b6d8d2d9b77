package dev.weir.state;

import dev.weir.state.serialization.TypeSerializer;
import java.io.IOException;

/**
 * Creates the keyed state backend of one operator subtask: where a job's keyed state lives. The
 * implementations are {@code HeapStateBackendFactory} and {@code RocksDbStateBackendFactory}.
 */
public interface KeyedStateBackendFactory {

  <K> KeyedStateBackend<K> create(
      String operator, int subtask, TypeSerializer<K> keys, KeyGroupRange range, int maxParallelism)
      throws IOException;
}
