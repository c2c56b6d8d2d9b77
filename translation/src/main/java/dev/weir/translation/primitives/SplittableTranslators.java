package dev.weir.translation.primitives;

import dev.weir.engine.graph.JobVertex;
import dev.weir.translation.context.TranslationContext;
import dev.weir.translation.operators.DoFnStep;
import dev.weir.translation.operators.SplittableProcessOperator;
import java.util.Map;
import org.apache.beam.runners.core.SplittableParDoViaKeyedWorkItems;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.runners.AppliedPTransform;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.util.SerializableUtils;
import org.apache.beam.sdk.util.construction.PTransformReplacements;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTag;

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
    DoFnStep<Object> step =
        numbering.step(
            name, context, sideInputMapping, keyed.getWindowingStrategy(), ByteArrayCoder.of());
    Map<Integer, String> elementNames = numbering.pcollectionNames();
    byte[] serializedFn =
        SerializableUtils.serializeToByteArray(process.newProcessFn((DoFn) process.getFn()));
    boolean checkpointing = context.settings().checkpointing();
    JobVertex vertex =
        context.addOperator(
            name,
            () ->
                new SplittableProcessOperator<>(
                        step,
                        (SplittableParDoViaKeyedWorkItems.ProcessFn)
                            SerializableUtils.deserializeFromByteArray(serializedFn, name))
                    .withCheckpointing(checkpointing)
                    .countingElements(elementNames));
    context.connectByKey(keyed, vertex, 0);
    numbering.connect(context, vertex);
  }
}
