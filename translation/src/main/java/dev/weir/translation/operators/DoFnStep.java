package dev.weir.translation.operators;

import dev.weir.translation.metrics.JobMetrics;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import org.apache.beam.runners.core.construction.SerializablePipelineOptions;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.WindowingStrategy;

/**
 * What every DoFn operator of a pipeline step is built from, whatever runs inside it (a ParDo, a
 * splittable DoFn's ProcessFn, GroupByKey's ReduceFn): its name and options, how its outputs and
 * side inputs are numbered on the vertex, its windowing, its key coder when it is keyed, and its
 * bundle limits. Translators describe a step once with it; serializable because operator factories
 * are.
 *
 * @param sideInputViews vertex input index (from 1) to the side input arriving there
 * @param sideInputMapping the DoFn's side-input parameter names to their views
 * @param keyCoder the key coder of a keyed (stateful) step, {@code null} otherwise
 */
public record DoFnStep<OutputT>(
    String name,
    SerializablePipelineOptions options,
    TupleTag<OutputT> mainOutputTag,
    List<TupleTag<?>> additionalOutputTags,
    Map<TupleTag<?>, Integer> outputIndexes,
    Map<TupleTag<?>, Coder<?>> outputCoders,
    WindowingStrategy<?, ?> windowingStrategy,
    Map<Integer, PCollectionView<?>> sideInputViews,
    Map<String, PCollectionView<?>> sideInputMapping,
    Coder<?> keyCoder,
    JobMetrics metrics,
    int maxBundleSize,
    long maxBundleMillis)
    implements Serializable {

  /**
   * A keyed step with one output and no side inputs whose bundles end only when its input pauses
   * (GroupByKey: it emits at watermarks, and a bundle boundary buys it nothing).
   */
  public static <OutputT> DoFnStep<OutputT> singleOutput(
      String name,
      SerializablePipelineOptions options,
      TupleTag<OutputT> outputTag,
      Coder<?> outputCoder,
      WindowingStrategy<?, ?> windowingStrategy,
      Coder<?> keyCoder,
      JobMetrics metrics) {
    return new DoFnStep<>(
        name,
        options,
        outputTag,
        List.of(),
        Map.of(outputTag, 0),
        Map.of(outputTag, outputCoder),
        windowingStrategy,
        Map.of(),
        Map.of(),
        keyCoder,
        metrics,
        Integer.MAX_VALUE,
        0);
  }
}
