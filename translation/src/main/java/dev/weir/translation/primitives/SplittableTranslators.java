package dev.weir.translation.primitives;

import dev.weir.engine.graph.JobVertex;
import dev.weir.translation.context.TranslationContext;
import dev.weir.translation.metrics.JobMetrics;
import dev.weir.translation.operators.SplittableProcessOperator;
import java.util.List;
import java.util.Map;
import org.apache.beam.runners.core.SplittableParDoViaKeyedWorkItems;
import org.apache.beam.runners.core.construction.SerializablePipelineOptions;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.runners.AppliedPTransform;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.util.SerializableUtils;
import org.apache.beam.sdk.util.construction.PTransformReplacements;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.WindowingStrategy;

/**
 * Splittable DoFns, after Beam's own expansion into keyed work items: the grouping into work items
 * becomes a HASH edge by the (random) key, and processing a keyed ProcessFn operator.
 */
final class SplittableTranslators {

  private SplittableTranslators() {}

  /** GBKIntoKeyedWorkItems: no vertex; its consumer takes the keyed input over a HASH edge. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static void intoKeyedWorkItems(AppliedPTransform<?, ?, ?> transform, TranslationContext context) {
    PCollection<?> input =
        PTransformReplacements.getSingletonMainInput((AppliedPTransform) transform);
    PCollection<?> output = (PCollection<?>) transform.getOutputs().values().iterator().next();
    context.setWorkItemInput(output, input);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  static void processElements(AppliedPTransform<?, ?, ?> transform, TranslationContext context)
      throws Exception {
    SplittableParDoViaKeyedWorkItems.ProcessElements<Object, Object, Object, ?, ?> process =
        (SplittableParDoViaKeyedWorkItems.ProcessElements<Object, Object, Object, ?, ?>)
            transform.getTransform();
    PCollection<?> workItems =
        PTransformReplacements.getSingletonMainInput((AppliedPTransform) transform);
    PCollection<KV<byte[], KV<Object, Object>>> keyed =
        (PCollection) context.workItemInput(workItems);
    String name = transform.getFullName();

    TupleTag<Object> mainTag = process.getMainOutputTag();
    Map<String, PCollectionView<?>> sideInputMapping = process.getSideInputMapping();
    DoFnOutputs numbering =
        DoFnOutputs.of(
            transform,
            mainTag,
            process.getAdditionalOutputTags().getAll(),
            process.getSideInputs());
    Map<TupleTag<?>, Integer> outputIndexes = numbering.indexes();
    Map<TupleTag<?>, Coder<?>> outputCoders = numbering.coders();
    List<TupleTag<?>> additional = numbering.additional();
    Map<TupleTag<?>, PCollection<?>> outputs = numbering.outputs();
    Map<Integer, PCollectionView<?>> sideInputsByInput = numbering.sideInputsByInput();
    Map<Integer, String> elementNames = numbering.pcollectionNames();
    byte[] serializedFn =
        SerializableUtils.serializeToByteArray(process.newProcessFn((DoFn) process.getFn()));
    SerializablePipelineOptions options = context.serializableOptions();
    WindowingStrategy<?, ?> windowing = keyed.getWindowingStrategy();
    JobMetrics metrics = context.metrics();
    int maxBundleSize = context.settings().maxBundleSize();
    long maxBundleMillis = context.settings().maxBundleMillis();
    boolean checkpointing = context.settings().checkpointing();
    JobVertex vertex =
        context.addOperator(
            name,
            () ->
                new SplittableProcessOperator<>(
                        name,
                        options,
                        (SplittableParDoViaKeyedWorkItems.ProcessFn)
                            SerializableUtils.deserializeFromByteArray(serializedFn, name),
                        mainTag,
                        additional,
                        outputIndexes,
                        outputCoders,
                        windowing,
                        sideInputsByInput,
                        sideInputMapping,
                        ByteArrayCoder.of(),
                        metrics,
                        maxBundleSize,
                        maxBundleMillis)
                    .withCheckpointing(checkpointing)
                    .countingElements(elementNames));
    context.connectByKey(keyed, vertex, 0);
    for (Map.Entry<Integer, PCollectionView<?>> side : sideInputsByInput.entrySet()) {
      context.connectSideInput(side.getValue(), vertex, side.getKey());
    }
    for (Map.Entry<TupleTag<?>, PCollection<?>> o : outputs.entrySet()) {
      context.setProducer(o.getValue(), vertex, outputIndexes.get(o.getKey()));
    }
  }
}
