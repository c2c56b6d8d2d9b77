package dev.weir.translation.state;

import dev.weir.state.KeyedStateBackend;
import dev.weir.state.ListState;
import dev.weir.state.MapState;
import dev.weir.state.StateSpec;
import dev.weir.state.serialization.Serializers;
import dev.weir.state.serialization.TypeSerializer;
import dev.weir.translation.wire.CoderSerializer;
import dev.weir.translation.wire.EncodedKey;
import dev.weir.translation.wire.KeyBytes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.beam.runners.core.StateInternals;
import org.apache.beam.runners.core.StateNamespace;
import org.apache.beam.runners.core.StateTag;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.CombiningState;
import org.apache.beam.sdk.state.MultimapState;
import org.apache.beam.sdk.state.OrderedListState;
import org.apache.beam.sdk.state.SetState;
import org.apache.beam.sdk.state.State;
import org.apache.beam.sdk.state.StateContext;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.state.WatermarkHoldState;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.transforms.CombineWithContext.CombineFnWithContext;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.util.CombineFnUtil;

/**
 * Beam state on the engine's keyed state, for the current key (the encoded Beam key): each Beam
 * state tag is an engine state of its own, named after the tag, whose namespace is the Beam
 * namespace's string key and whose serializers are the tag's coders, so snapshots and a serializing
 * backend (RocksDB) store it with Beam's encoding. Value and combining state are engine values;
 * bags engine lists; sets, maps, multimaps and ordered lists engine maps; watermark holds one
 * engine map (namespace → tag → hold) shared by all tags, from which the operator's hold index is
 * rebuilt after a restore.
 */
public final class WeirStateInternals implements StateInternals {

  private static final String PREFIX = "beam/";
  private static final StateSpec<String, MapState<String, String, Long>> HOLDS =
      StateSpec.map("beam-holds", Serializers.STRING, Serializers.STRING, Serializers.LONG);

  private final KeyedStateBackend<Object> backend;
  private final Coder<?> keyCoder;
  private final WatermarkHolds holds;
  private final boolean bagsHoldOnlyInputs;
  private final MapState<String, String, Long> holdCells;

  /** Engine state per tag id, created on the tag's first use. */
  private final Map<String, Object> engineStates = new HashMap<>();

  private final NamespaceKeys namespaceKeys = new NamespaceKeys();
  private KeyBytes decodedFor;
  private Object decodedKey;

  /**
   * @param bagsHoldOnlyInputs whether bags hold only input elements, which Beam forbids changing in
   *     place (a GroupByKey's buffers), so snapshots may share them instead of copying
   */
  public WeirStateInternals(
      KeyedStateBackend<Object> backend,
      Coder<?> keyCoder,
      WatermarkHolds holds,
      boolean bagsHoldOnlyInputs) {
    this.backend = backend;
    this.bagsHoldOnlyInputs = bagsHoldOnlyInputs;
    this.keyCoder = keyCoder;
    this.holds = holds;
    this.holdCells = backend.state(HOLDS);
  }

  /** Puts every key's watermark holds into the operator's hold index (after a restore). */
  public void rebuildHolds() throws Exception {
    backend.forEachEntry(
        HOLDS,
        (key, namespace) -> {
          for (Map.Entry<String, Long> hold : holdCells.entries(namespace)) {
            holds.set(
                new BeamWatermarkHoldState.HoldId(key, namespace, hold.getKey()), hold.getValue());
          }
        });
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

  /**
   * Binds the tag in the namespace, or returns the state bound for them before: runners-core asks
   * for every state of an element again (a DoFn's {@code @StateId} parameter, each tag
   * ReduceFnRunner touches), and a bound state holds nothing of a key (it reads the current key
   * when used), so it serves every key. Not kept: watermark holds (bound to the key) and combining
   * state with a context (bound to the element's context).
   */
  @Override
  @SuppressWarnings("unchecked")
  public <T extends State> T state(
      StateNamespace namespace, StateTag<T> address, StateContext<?> c) {
    String namespaceKey = namespaceKeys.of(namespace);
    String id = address.getId();
    Object spec = address.getSpec();
    int slot = (namespaceKey.hashCode() * 31 + id.hashCode()) & (BOUND_SLOTS - 1);
    if (boundNamespaces[slot] == namespaceKey
        && boundSpecs[slot] == spec
        && id.equals(boundIds[slot])) {
      return (T) boundStates[slot];
    }
    Binder binder = new Binder(namespaceKey, c);
    T state = address.bind(binder);
    if (!binder.boundToContext && !(state instanceof WatermarkHoldState)) {
      boundNamespaces[slot] = namespaceKey;
      boundIds[slot] = id;
      boundSpecs[slot] = spec;
      boundStates[slot] = state;
    }
    return state;
  }

  /** States bound before, direct-mapped by namespace key and tag id (see {@link #state}). */
  private static final int BOUND_SLOTS = 64;

  private final String[] boundNamespaces = new String[BOUND_SLOTS];
  private final String[] boundIds = new String[BOUND_SLOTS];
  private final Object[] boundSpecs = new Object[BOUND_SLOTS];
  private final State[] boundStates = new State[BOUND_SLOTS];

  @SuppressWarnings("unchecked")
  private <S> S engineState(String id, Supplier<StateSpec<String, S>> spec) {
    Object state = engineStates.get(id);
    if (state == null) {
      state = backend.state(spec.get());
      engineStates.put(id, state);
    }
    return (S) state;
  }

  private static <T> TypeSerializer<T> serializer(Coder<T> coder) {
    return new CoderSerializer<>(coder);
  }

  /** Binds a tag to its engine state in one namespace. */
  private final class Binder implements StateTag.StateBinder {
    private final String namespace;
    private final StateContext<?> context;

    /** Whether what was bound depends on {@link #context}. */
    boolean boundToContext;

    Binder(String namespace, StateContext<?> context) {
      this.namespace = namespace;
      this.context = context;
    }

    @Override
    public <T> ValueState<T> bindValue(StateTag<ValueState<T>> tag, Coder<T> coder) {
      String id = tag.getId();
      dev.weir.state.ValueState<String, T> s =
          engineState(
              id, () -> StateSpec.value(PREFIX + id, Serializers.STRING, serializer(coder)));
      return new BeamValueState<>(s, namespace);
    }

    @Override
    public <T> BagState<T> bindBag(StateTag<BagState<T>> tag, Coder<T> elemCoder) {
      String id = tag.getId();
      ListState<String, T> s =
          engineState(
              id,
              () ->
                  StateSpec.list(
                      PREFIX + id,
                      Serializers.STRING,
                      bagsHoldOnlyInputs
                          ? Serializers.asImmutable(serializer(elemCoder))
                          : serializer(elemCoder)));
      return new BeamBagState<>(s, namespace);
    }

    @Override
    public <T> SetState<T> bindSet(StateTag<SetState<T>> tag, Coder<T> elemCoder) {
      String id = tag.getId();
      MapState<String, T, Boolean> s =
          engineState(
              id,
              () ->
                  StateSpec.map(
                      PREFIX + id, Serializers.STRING, serializer(elemCoder), Serializers.BOOLEAN));
      return new BeamSetState<>(s, namespace);
    }

    @Override
    public <K, V> org.apache.beam.sdk.state.MapState<K, V> bindMap(
        StateTag<org.apache.beam.sdk.state.MapState<K, V>> tag,
        Coder<K> mapKeyCoder,
        Coder<V> mapValueCoder) {
      String id = tag.getId();
      MapState<String, K, V> s =
          engineState(
              id,
              () ->
                  StateSpec.map(
                      PREFIX + id,
                      Serializers.STRING,
                      serializer(mapKeyCoder),
                      serializer(mapValueCoder)));
      return new BeamMapState<>(s, namespace);
    }

    @Override
    public <K, V> MultimapState<K, V> bindMultimap(
        StateTag<MultimapState<K, V>> tag, Coder<K> keyCoder, Coder<V> valueCoder) {
      String id = tag.getId();
      MapState<String, StructuralKey<K>, List<V>> s =
          engineState(
              id,
              () ->
                  StateSpec.map(
                      PREFIX + id,
                      Serializers.STRING,
                      new StructuralKey.Serializer<>(keyCoder),
                      serializer(ListCoder.of(valueCoder))));
      return new BeamMultimapState<>(s, keyCoder, namespace);
    }

    @Override
    public <T> OrderedListState<T> bindOrderedList(
        StateTag<OrderedListState<T>> tag, Coder<T> elemCoder) {
      String id = tag.getId();
      MapState<String, Long, List<T>> s =
          engineState(
              id,
              () ->
                  StateSpec.map(
                      PREFIX + id,
                      Serializers.STRING,
                      serializer(VarLongCoder.of()),
                      serializer(ListCoder.of(elemCoder))));
      return new BeamOrderedListState<>(s, namespace);
    }

    @Override
    public <InputT, AccumT, OutputT> CombiningState<InputT, AccumT, OutputT> bindCombiningValue(
        StateTag<CombiningState<InputT, AccumT, OutputT>> tag,
        Coder<AccumT> accumCoder,
        CombineFn<InputT, AccumT, OutputT> combineFn) {
      String id = tag.getId();
      dev.weir.state.ValueState<String, AccumT> s =
          engineState(
              id, () -> StateSpec.value(PREFIX + id, Serializers.STRING, serializer(accumCoder)));
      return new BeamCombiningState<>(s, combineFn, namespace);
    }

    @Override
    public <InputT, AccumT, OutputT>
        CombiningState<InputT, AccumT, OutputT> bindCombiningValueWithContext(
            StateTag<CombiningState<InputT, AccumT, OutputT>> tag,
            Coder<AccumT> accumCoder,
            CombineFnWithContext<InputT, AccumT, OutputT> combineFn) {
      boundToContext = true;
      return bindCombiningValue(tag, accumCoder, CombineFnUtil.bindContext(combineFn, context));
    }

    @Override
    public WatermarkHoldState bindWatermark(
        StateTag<WatermarkHoldState> tag, TimestampCombiner timestampCombiner) {
      return new BeamWatermarkHoldState(
          holdCells, holds, backend.currentKey(), namespace, tag.getId(), timestampCombiner);
    }
  }
}
