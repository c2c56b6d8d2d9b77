package dev.weir.translation.combine;

import dev.weir.engine.graph.JobVertex;
import dev.weir.translation.context.TranslationContext;
import dev.weir.translation.merging.MergingWindowOperator;
import dev.weir.translation.merging.WindowContents;
import dev.weir.translation.metrics.JobMetrics;
import dev.weir.translation.operators.GroupByKeyOperator;
import dev.weir.translation.wire.WindowedValueSerializer;
import java.util.Map;
import org.apache.beam.runners.core.SystemReduceFn;
import org.apache.beam.runners.core.construction.SerializablePipelineOptions;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.runners.AppliedPTransform;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.DefaultTrigger;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.util.AppliedCombineFn;
import org.apache.beam.sdk.util.SerializableUtils;
import org.apache.beam.sdk.util.construction.PTransformReplacements;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.WindowingStrategy;

/**
 * Combine.perKey with combiner lifting: a partial combine chained before the HASH edge, so only
 * accumulators cross it, and the final combine after it: {@link FinalCombineOperator} when no
 * lateness is allowed (one on-time pane per key and window), otherwise a ReduceFnRunner over
 * combining state. Merging windows (sessions) with no allowed lateness combine after the shuffle
 * only, in {@link MergingWindowOperator}, merging accumulators as windows merge. Lifted only where
 * it cannot change results: a plain CombineFn without side inputs and the default trigger. Anything
 * else runs Beam's own expansion (GroupByKey then combine).
 */
public final class CombinePerKeyTranslator {

  /** Accumulators one partial combiner holds before it emits them early. */
  private static final int MAX_PARTIAL_ENTRIES = 200_000;

  private CombinePerKeyTranslator() {}

  /** Whether {@link #translate} applies; otherwise the composite is expanded. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static boolean canLift(AppliedPTransform<?, ?, ?> transform) {
    if (!(transform.getTransform() instanceof Combine.PerKey<?, ?, ?> perKey)) {
      return false;
    }
    if (!(perKey.getFn() instanceof CombineFn) || !perKey.getSideInputs().isEmpty()) {
      return false;
    }
    PCollection<?> input =
        PTransformReplacements.getSingletonMainInput((AppliedPTransform) transform);
    WindowingStrategy<?, ?> windowing = input.getWindowingStrategy();
    boolean merging = !windowing.getWindowFn().isNonMerging();
    if (!(windowing.getTrigger() instanceof DefaultTrigger)
        || (merging && !MergingWindowOperator.applies(windowing))) {
      return false;
    }
    if (!(input.getCoder() instanceof KvCoder)) {
      return false;
    }
    try {
      accumulatorCoder(perKey, (KvCoder) input.getCoder(), input);
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Coder<Object> accumulatorCoder(
      Combine.PerKey<?, ?, ?> perKey, KvCoder kvCoder, PCollection<?> input) throws Exception {
    CombineFn fn = (CombineFn) perKey.getFn();
    return fn.getAccumulatorCoder(input.getPipeline().getCoderRegistry(), kvCoder.getValueCoder());
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  public static void translate(AppliedPTransform<?, ?, ?> transform, TranslationContext context)
      throws Exception {
    Combine.PerKey<Object, Object, Object> perKey =
        (Combine.PerKey<Object, Object, Object>) transform.getTransform();
    PCollection<KV<Object, Object>> input =
        (PCollection) PTransformReplacements.getSingletonMainInput((AppliedPTransform) transform);
    PCollection<KV<Object, Object>> output =
        (PCollection) transform.getOutputs().values().iterator().next();
    KvCoder<Object, Object> kvCoder = (KvCoder<Object, Object>) input.getCoder();
    Coder<Object> keyCoder = kvCoder.getKeyCoder();
    CombineFn<Object, Object, Object> fn = (CombineFn<Object, Object, Object>) perKey.getFn();
    Coder<Object> accumulatorCoder = accumulatorCoder(perKey, kvCoder, input);
    WindowingStrategy<?, ?> windowing = input.getWindowingStrategy();
    String name = transform.getFullName();

    Coder<BoundedWindow> windowCoder = (Coder<BoundedWindow>) windowing.getWindowFn().windowCoder();
    byte[] serializedFn = SerializableUtils.serializeToByteArray(fn);
    if (!windowing.getWindowFn().isNonMerging()) {
      // Before the shuffle every element has a window of its own: nothing to combine there.
      JobMetrics metrics = context.metrics();
      String outputName = output.getName();
      JobVertex combine =
          context.addOperator(
              name,
              () ->
                  new MergingWindowOperator<>(
                      name,
                      keyCoder,
                      windowing,
                      WindowContents.combined(
                          (CombineFn<Object, Object, Object>)
                              SerializableUtils.deserializeFromByteArray(serializedFn, name),
                          accumulatorCoder),
                      metrics,
                      outputName));
      context.connectByKey(input, combine, 0);
      context.setProducer(output, combine, 0);
      return;
    }
    JobVertex partial =
        context.addOperator(
            name + "/PartialCombine",
            () ->
                new PartialCombineOperator<>(
                    (CombineFn<Object, Object, Object>)
                        SerializableUtils.deserializeFromByteArray(serializedFn, name),
                    keyCoder,
                    accumulatorCoder,
                    windowCoder,
                    windowing.getTimestampCombiner(),
                    MAX_PARTIAL_ENTRIES));
    context.connect(input, partial, 0);

    SystemReduceFn reduceFn =
        SystemReduceFn.combining(
            keyCoder,
            AppliedCombineFn.withAccumulatorCoder(
                new MergeAccumulatorsFn<>(fn, accumulatorCoder), accumulatorCoder));
    SerializablePipelineOptions options = context.serializableOptions();
    Coder outputCoder = output.getCoder();
    JobMetrics metrics = context.metrics();
    Map<Integer, String> elementNames = Map.of(0, output.getName());
    JobVertex last;
    if (windowing.getAllowedLateness().getMillis() == 0) {
      // One on-time pane per key and window, nothing late: no ReduceFnRunner needed.
      TimestampCombiner timestamps = windowing.getTimestampCombiner();
      last =
          context.addOperator(
              name + "/FinalCombine",
              () ->
                  new FinalCombineOperator<>(
                      (CombineFn<Object, Object, Object>)
                          SerializableUtils.deserializeFromByteArray(serializedFn, name),
                      keyCoder,
                      accumulatorCoder,
                      windowCoder,
                      timestamps));
    } else {
      last =
          context.addOperator(
              name + "/FinalCombine",
              () ->
                  new GroupByKeyOperator<>(
                          name,
                          options,
                          reduceFn,
                          new TupleTag<KV<Object, Object>>("output"),
                          outputCoder,
                          windowing,
                          keyCoder,
                          metrics)
                      .countingElements(elementNames));
    }
    WindowedValueSerializer wire =
        new WindowedValueSerializer<>(KvCoder.of(keyCoder, accumulatorCoder), windowCoder);
    context.connectByKey(partial, 0, keyCoder, wire, last);
    context.setProducer(output, last, 0);
  }
}
