package dev.weir.translation.state;

import dev.weir.state.KeyedStateBackend;
import dev.weir.state.MapState;
import dev.weir.state.StateSpec;
import dev.weir.translation.wire.EncodedKey;
import dev.weir.translation.wire.KeyBytes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.runners.core.InMemoryStateInternals;
import org.apache.beam.runners.core.StateInternals;
import org.apache.beam.runners.core.StateNamespace;
import org.apache.beam.runners.core.StateTag;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.state.State;
import org.apache.beam.sdk.state.StateContext;
import org.apache.beam.sdk.state.WatermarkHoldState;

/**
 * Beam state on the engine's keyed state: every Beam state cell (a tag in a namespace, for the
 * current key) lives in one engine map state, keyed by the engine's current key (the encoded Beam
 * key), with the namespace as the engine namespace and the tag id as the map key. The cells are
 * runners-core's in-memory state implementations, so every Beam state kind behaves exactly as Beam
 * specifies. Cells are created on first access; after each element or timer {@link #commit()}
 * drops the cells that ended up cleared and records watermark holds.
 */
public final class WeirStateInternals implements StateInternals {

  private static final StateSpec<String, MapState<String, String, Object>> CELLS =
      StateSpec.map("beam-state", dev.weir.state.serialization.Serializers.STRING,
          dev.weir.state.serialization.Serializers.STRING, new dev.weir.engine.serialization.KryoSerializer<>(Object.class));

  private final KeyedStateBackend<Object> backend;
  private final Coder<?> keyCoder;
  private final MapState<String, String, Object> cells;
  private final WatermarkHolds holds;
  private final List<Touched> touched = new ArrayList<>();
  private KeyBytes decodedFor;
  private Object decodedKey;

  private record Touched(KeyBytes key, String namespace, String id, InMemoryStateInternals.InMemoryState<?> cell) {}

  public WeirStateInternals(KeyedStateBackend<Object> backend, Coder<?> keyCoder, WatermarkHolds holds) {
    this.backend = backend;
    this.keyCoder = keyCoder;
    this.cells = backend.state(CELLS);
    this.holds = holds;
  }

  @Override
  public Object getKey() {
    KeyBytes current = (KeyBytes) backend.currentKey();
    if (current != decodedFor) {
      try {
        decodedKey = EncodedKey.decode(keyCoder, current);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot decode the key with " + keyCoder, e);
      }
      decodedFor = current;
    }
    return decodedKey;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T extends State> T state(StateNamespace namespace, StateTag<T> address, StateContext<?> c) {
    String ns = namespace.stringKey();
    String id = address.getId();
    Object cell = cells.get(ns, id);
    if (cell == null) {
      cell = address.bind(new InMemoryStateInternals.InMemoryStateBinder(c));
      cells.put(ns, id, cell);
    }
    touched.add(new Touched((KeyBytes) backend.currentKey(), ns, id, (InMemoryStateInternals.InMemoryState<?>) cell));
    return (T) cell;
  }

  /**
   * Ends an element or timer: cells that are cleared are removed (so expired windows leave no
   * state behind), and watermark holds are recorded for the operator's output watermark. Must run
   * while the same key is current.
   */
  public void commit() {
    if (touched.isEmpty()) {
      return;
    }
    for (Touched t : touched) {
      if (backend.currentKey() != t.key) {
        backend.setCurrentKey(t.key);
      }
      if (t.cell.isCleared()) {
        cells.remove(t.namespace, t.id);
      }
      if (t.cell instanceof WatermarkHoldState hold) {
        org.joda.time.Instant h = t.cell.isCleared() ? null : hold.read();
        holds.set(new HoldId(t.key, t.namespace, t.id), h == null ? null : h.getMillis());
      }
    }
    touched.clear();
  }

  private record HoldId(KeyBytes key, String namespace, String id) {}
}
