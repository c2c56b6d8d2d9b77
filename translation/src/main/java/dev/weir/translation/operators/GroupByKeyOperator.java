package dev.weir.translation.operators;

import dev.weir.translation.metrics.JobMetrics;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.beam.runners.core.DoFnRunner;
import org.apache.beam.runners.core.DoFnRunners;
import org.apache.beam.runners.core.GroupAlsoByWindowViaWindowSetNewDoFn;
import org.apache.beam.runners.core.KeyedWorkItem;
import org.apache.beam.runners.core.KeyedWorkItems;
import org.apache.beam.runners.core.NullSideInputReader;
import org.apache.beam.runners.core.SideInputReader;
import org.apache.beam.runners.core.StepContext;
import org.apache.beam.runners.core.SystemReduceFn;
import org.apache.beam.runners.core.TimerInternals.TimerData;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.runners.core.construction.SerializablePipelineOptions;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.DoFnSchemaInformation;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.util.WindowedValueMultiReceiver;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;
import org.apache.beam.sdk.values.WindowingStrategy;

/**
 * GroupByKey (and Combine after the shuffle) on runners-core's ReduceFnRunner: every WindowFn
 * (merging too), every trigger, allowed lateness and accumulation mode, with panes fired by the
 * engine's timers. Each element becomes a one-element work item for its key.
 *
 * @param <K> key type
 * @param <V> value type
 * @param <OutputT> output value type (Iterable of V for GroupByKey, the combined output for Combine)
 */
public final class GroupByKeyOperator<K, V, OutputT> extends AbstractDoFnOperator<KV<K, V>, KV<K, OutputT>> {

  private final SystemReduceFn<K, V, ?, OutputT, BoundedWindow> reduceFn;
  private transient DoFnRunner<KeyedWorkItem<K, V>, KV<K, OutputT>> typedRunner;

  @SuppressWarnings("unchecked")
  public GroupByKeyOperator(String stepName, SerializablePipelineOptions options, SystemReduceFn<K, V, ?, OutputT, ? extends BoundedWindow> reduceFn,
      TupleTag<KV<K, OutputT>> mainOutputTag, Coder<KV<K, OutputT>> outputCoder, WindowingStrategy<?, ?> windowingStrategy,
      Coder<K> keyCoder, JobMetrics metrics) {
    super(stepName, options, mainOutputTag, List.of(), Map.of(mainOutputTag, 0), Map.of(mainOutputTag, outputCoder),
        windowingStrategy, Map.of(), keyCoder, metrics, Integer.MAX_VALUE, 0);
    this.reduceFn = (SystemReduceFn<K, V, ?, OutputT, BoundedWindow>) reduceFn;
  }

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  protected DoFnRunner<?, KV<K, OutputT>> createRunner(StepContext stepContext, SideInputReader sideInputReader,
      WindowedValueMultiReceiver outputManager) {
    DoFn<KeyedWorkItem<K, V>, KV<K, OutputT>> fn = GroupAlsoByWindowViaWindowSetNewDoFn.create(
        (WindowingStrategy) windowingStrategy, key -> stateInternals, key -> timerInternals, NullSideInputReader.empty(),
        reduceFn, outputManager, mainOutputTag);
    DoFnRunner<KeyedWorkItem<K, V>, KV<K, OutputT>> simple = DoFnRunners.simpleRunner(options.get(), fn,
        NullSideInputReader.empty(), outputManager, mainOutputTag, Collections.emptyList(), stepContext, null, outputCoders,
        windowingStrategy, DoFnSchemaInformation.create(), Collections.emptyMap());
    // ReduceFnRunner itself does not drop data that arrives after its window expired.
    typedRunner = DoFnRunners.lateDataDroppingRunner(simple, timerInternals, windowingStrategy);
    return typedRunner;
  }

  @Override
  @SuppressWarnings("unchecked")
  protected void processReady(WindowedValue<KV<K, V>> element) {
    KV<K, V> kv = element.getValue();
    KeyedWorkItem<K, V> item = KeyedWorkItems.elementsWorkItem(kv.getKey(), List.of(element.withValue(kv.getValue())));
    typedRunner.processElement(WindowedValues.valueInGlobalWindow(item));
  }

  @Override
  @SuppressWarnings("unchecked")
  protected void fireTimer(TimerData timer) {
    K key = (K) stateInternals.getKey();
    typedRunner.processElement(WindowedValues.valueInGlobalWindow(KeyedWorkItems.timersWorkItem(key, List.of(timer))));
  }
}
