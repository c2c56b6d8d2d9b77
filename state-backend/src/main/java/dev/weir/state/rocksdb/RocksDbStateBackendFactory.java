package dev.weir.state.rocksdb;

import dev.weir.state.KeyGroupRange;
import dev.weir.state.KeyedStateBackend;
import dev.weir.state.KeyedStateBackendFactory;
import dev.weir.state.PrivateFiles;
import dev.weir.state.serialization.TypeSerializer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.UUID;

/**
 * Keyed state in RocksDB databases under {@code directory}, one per operator subtask (deleted when
 * it closes).
 */
public final class RocksDbStateBackendFactory implements KeyedStateBackendFactory {

  private final Path directory;

  public RocksDbStateBackendFactory(Path directory) {
    this.directory = directory;
  }

  /** Where the databases of the operators' subtasks go. */
  public Path directory() {
    return directory;
  }

  @Override
  public <K> KeyedStateBackend<K> create(
      String operator, int subtask, TypeSerializer<K> keys, KeyGroupRange range, int maxParallelism)
      throws IOException {
    String safe = operator.replaceAll("[^A-Za-z0-9._-]+", "_");
    if (safe.length() > 40) {
      safe = safe.substring(0, 40);
    }
    PrivateFiles.prepareDirectory(directory, "--rocksDbDir");
    Path dir = directory.resolve(safe + "-" + subtask + "-" + UUID.randomUUID());
    PrivateFiles.createDirectories(dir);
    return new RocksDbKeyedStateBackend<>(dir, keys, range, maxParallelism);
  }

  @Override
  public String toString() {
    return "rocksdb(" + directory + ")";
  }
}
