package dev.weir.translation.merging;

import dev.weir.engine.operator.OperatorContext;
import dev.weir.state.ListState;
import dev.weir.state.StateSpec;
import dev.weir.state.ValueState;
import dev.weir.state.serialization.Serializers;
import dev.weir.state.serialization.TypeSerializer;
import dev.weir.translation.wire.CoderSerializer;
import java.io.Serializable;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;

/**
 * What a {@link MergingWindowOperator} keeps per key and state window until the window fires: the
 * values themselves (GroupByKey) or their accumulator (Combine.perKey, which then merges
 * accumulators when windows merge instead of keeping lists). Each method works on the current key;
 * called on the task's thread only.
 *
 * @param <V> input value type
 * @param <OutputT> what a fired window emits per key
 */
public interface WindowContents<V, OutputT> extends Serializable {

  /** Declares the state; {@code windows} writes state windows. Called from the operator's open. */
  void open(OperatorContext<?> context, TypeSerializer<BoundedWindow> windows);

  void add(BoundedWindow stateWindow, V value) throws Exception;

  /** Moves what {@code source} holds into {@code target}: their windows merged. */
  void merge(BoundedWindow target, BoundedWindow source) throws Exception;

  /** What {@code stateWindow} holds, as output; its state is cleared. */
  OutputT take(BoundedWindow stateWindow) throws Exception;

  /** GroupByKey: the values, in arrival order. */
  static <V> WindowContents<V, Iterable<V>> grouped(Coder<V> valueCoder) {
    return new Grouped<>(valueCoder);
  }

  /** Combine.perKey: an accumulator per window, merged when windows merge. */
  static <V, A, O> WindowContents<V, O> combined(
      CombineFn<V, A, O> combineFn, Coder<A> accumulatorCoder) {
    return new Combined<>(combineFn, accumulatorCoder);
  }

  /** The values of each window in a list. */
  final class Grouped<V> implements WindowContents<V, Iterable<V>> {
    private final Coder<V> valueCoder;
    private transient OperatorContext<?> context;
    private transient StateSpec<BoundedWindow, ListState<BoundedWindow, V>> spec;

    Grouped(Coder<V> valueCoder) {
      this.valueCoder = valueCoder;
    }

    @Override
    public void open(OperatorContext<?> context, TypeSerializer<BoundedWindow> windows) {
      this.context = context;
      // Grouped values are inputs, never changed in place (Beam forbids it): snapshots may share
      // them.
      spec =
          StateSpec.list(
              "merging-gbk-values",
              windows,
              Serializers.asImmutable(new CoderSerializer<>(valueCoder)));
    }

    @Override
    public void add(BoundedWindow stateWindow, V value) {
      context.state(spec).add(stateWindow, value);
    }

    @Override
    public void merge(BoundedWindow target, BoundedWindow source) {
      ListState<BoundedWindow, V> values = context.state(spec);
      values.addAll(target, values.get(source));
      values.clear(source);
    }

    @Override
    public Iterable<V> take(BoundedWindow stateWindow) {
      ListState<BoundedWindow, V> values = context.state(spec);
      // The list stays as it is once cleared from state.
      List<V> grouped = values.get(stateWindow);
      values.clear(stateWindow);
      return grouped;
    }
  }

  /** An accumulator per window. */
  final class Combined<V, A, O> implements WindowContents<V, O> {
    private final CombineFn<V, A, O> combineFn;
    private final Coder<A> accumulatorCoder;
    private transient OperatorContext<?> context;
    private transient StateSpec<BoundedWindow, ValueState<BoundedWindow, A>> spec;

    Combined(CombineFn<V, A, O> combineFn, Coder<A> accumulatorCoder) {
      this.combineFn = combineFn;
      this.accumulatorCoder = accumulatorCoder;
    }

    @Override
    public void open(OperatorContext<?> context, TypeSerializer<BoundedWindow> windows) {
      this.context = context;
      spec =
          StateSpec.value(
              "merging-combine-accumulator", windows, new CoderSerializer<>(accumulatorCoder));
    }

    @Override
    public void add(BoundedWindow stateWindow, V value) {
      ValueState<BoundedWindow, A> accumulators = context.state(spec);
      A accumulator = accumulators.value(stateWindow);
      if (accumulator == null) {
        accumulator = combineFn.createAccumulator();
      }
      accumulators.update(stateWindow, combineFn.addInput(accumulator, value));
    }

    @Override
    public void merge(BoundedWindow target, BoundedWindow source) {
      ValueState<BoundedWindow, A> accumulators = context.state(spec);
      A from = accumulators.value(source);
      if (from == null) {
        return;
      }
      A into = accumulators.value(target);
      accumulators.update(
          target, into == null ? from : combineFn.mergeAccumulators(List.of(into, from)));
      accumulators.clear(source);
    }

    @Override
    public O take(BoundedWindow stateWindow) {
      ValueState<BoundedWindow, A> accumulators = context.state(spec);
      A accumulator = accumulators.value(stateWindow);
      accumulators.clear(stateWindow);
      return combineFn.extractOutput(
          accumulator == null ? combineFn.createAccumulator() : accumulator);
    }
  }
}
