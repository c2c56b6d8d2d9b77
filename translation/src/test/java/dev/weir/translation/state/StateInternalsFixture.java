package dev.weir.translation.state;

import dev.weir.state.KeyGroupRange;
import dev.weir.state.KeyedStateBackend;
import dev.weir.state.KeyedStateBackendFactory;
import dev.weir.state.heap.HeapStateBackendFactory;
import dev.weir.state.rocksdb.RocksDbStateBackendFactory;
import dev.weir.state.serialization.TypeSerializer;
import dev.weir.translation.wire.EncodedKey;
import dev.weir.translation.wire.KeyBytes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.runners.core.StateInternals;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.util.CoderUtils;

/**
 * WeirStateInternals on a real keyed state backend for Beam's {@code StateInternalsTest}: a backend
 * owning every key group, with one current key. Closes what it made.
 */
final class StateInternalsFixture implements AutoCloseable {

  private static final int MAX_PARALLELISM = 128;

  private final KeyedStateBackendFactory factory;
  private final Path directory;
  private final List<KeyedStateBackend<Object>> backends = new ArrayList<>();

  private StateInternalsFixture(KeyedStateBackendFactory factory, Path directory) {
    this.factory = factory;
    this.directory = directory;
  }

  static StateInternalsFixture heap() {
    return new StateInternalsFixture(HeapStateBackendFactory.INSTANCE, null);
  }

  static StateInternalsFixture rocksDb() {
    try {
      Path directory = Files.createTempDirectory("weir-state-internals-test");
      return new StateInternalsFixture(new RocksDbStateBackendFactory(directory), directory);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** State internals of a new backend, scoped to the key "key". */
  @SuppressWarnings({"unchecked", "rawtypes"})
  StateInternals create() {
    try {
      KeyedStateBackend<Object> backend =
          factory.create(
              "test",
              backends.size(),
              (TypeSerializer) new EncodedKey.Serializer(),
              KeyGroupRange.of(0, MAX_PARALLELISM - 1),
              MAX_PARALLELISM);
      backends.add(backend);
      backend.setCurrentKey(
          new KeyBytes(CoderUtils.encodeToByteArray(StringUtf8Coder.of(), "key")));
      return new WeirStateInternals(backend, StringUtf8Coder.of(), new WatermarkHolds(), false);
    } catch (CoderException e) {
      throw new IllegalStateException(e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws IOException {
    backends.forEach(KeyedStateBackend::close);
    backends.clear();
    if (directory != null) {
      try (Stream<Path> files = Files.walk(directory)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
