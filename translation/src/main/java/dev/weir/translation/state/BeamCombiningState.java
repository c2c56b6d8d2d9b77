package dev.weir.translation.state;

import dev.weir.state.ValueState;
import java.util.Arrays;
import org.apache.beam.sdk.state.CombiningState;
import org.apache.beam.sdk.state.ReadableState;
import org.apache.beam.sdk.transforms.Combine.CombineFn;

/**
 * Beam's CombiningState on an engine value state holding the accumulator. Combine functions may
 * change an accumulator in place: the engine state hands out accumulators no snapshot shares.
 */
final class BeamCombiningState<InputT, AccumT, OutputT> extends EngineBackedState
    implements CombiningState<InputT, AccumT, OutputT> {

  private final ValueState<String, AccumT> state;
  private final CombineFn<InputT, AccumT, OutputT> fn;
  private final String namespace;

  BeamCombiningState(
      ValueState<String, AccumT> state, CombineFn<InputT, AccumT, OutputT> fn, String namespace) {
    super(state, namespace);
    this.state = state;
    this.fn = fn;
    this.namespace = namespace;
  }

  @Override
  public void add(InputT value) {
    AccumT accum = state.value(namespace);
    if (accum == null) {
      accum = fn.createAccumulator();
    }
    state.update(namespace, fn.addInput(accum, value));
  }

  @Override
  public AccumT getAccum() {
    AccumT accum = state.value(namespace);
    return accum == null ? fn.createAccumulator() : accum;
  }

  @Override
  public void addAccum(AccumT accum) {
    AccumT existing = state.value(namespace);
    state.update(
        namespace, existing == null ? accum : fn.mergeAccumulators(Arrays.asList(existing, accum)));
  }

  @Override
  public AccumT mergeAccumulators(Iterable<AccumT> accumulators) {
    return fn.mergeAccumulators(accumulators);
  }

  @Override
  public OutputT read() {
    return fn.extractOutput(getAccum());
  }

  @Override
  public ReadableState<Boolean> isEmpty() {
    return Readables.of(() -> state.value(namespace) == null);
  }

  @Override
  public CombiningState<InputT, AccumT, OutputT> readLater() {
    return this;
  }

  @Override
  public void clear() {
    state.clear(namespace);
  }
}
