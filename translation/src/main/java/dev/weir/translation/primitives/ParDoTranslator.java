package dev.weir.translation.primitives;

import dev.weir.engine.graph.JobVertex;
import dev.weir.translation.context.TranslationContext;
import dev.weir.translation.context.UnsupportedTransformException;
import dev.weir.translation.operators.DoFnStep;
import dev.weir.translation.operators.ParDoOperator;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.runners.AppliedPTransform;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.DoFnSchemaInformation;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.reflect.DoFnSignature;
import org.apache.beam.sdk.transforms.reflect.DoFnSignatures;
import org.apache.beam.sdk.util.SerializableUtils;
import org.apache.beam.sdk.util.construction.PTransformReplacements;
import org.apache.beam.sdk.util.construction.ParDoTranslation;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTag;

/**
 * ParDo: one vertex per DoFn, chained to its producer unless it is stateful (then a HASH edge by
 * key feeds it) or has side inputs (broadcast edges on inputs 1..n). Outputs are numbered: the main
 * output 0, the others in the order Beam lists them.
 */
final class ParDoTranslator {

  private ParDoTranslator() {}

  @SuppressWarnings({"unchecked", "rawtypes"})
  static void translate(AppliedPTransform<?, ?, ?> transform, TranslationContext context)
      throws Exception {
    ParDo.MultiOutput<Object, Object> parDo =
        (ParDo.MultiOutput<Object, Object>) transform.getTransform();
    DoFn<Object, Object> doFn = parDo.getFn();
    DoFnSignature signature = DoFnSignatures.getSignature(doFn.getClass());
    if (signature.processElement().isSplittable()) {
      throw new UnsupportedTransformException(
          "splittable DoFn "
              + doFn.getClass().getName()
              + " in '"
              + transform.getFullName()
              + "' reached translation without being expanded (URN "
              + ParDoTranslation.class.getSimpleName()
              + ")");
    }
    PCollection<Object> input =
        (PCollection<Object>)
            PTransformReplacements.getSingletonMainInput((AppliedPTransform) transform);
    String name = transform.getFullName();

    TupleTag<Object> mainTag = parDo.getMainOutputTag();
    Map<String, PCollectionView<?>> sideInputMapping = parDo.getSideInputs();
    DoFnOutputs numbering =
        DoFnOutputs.of(
            transform,
            mainTag,
            parDo.getAdditionalOutputTags().getAll(),
            sideInputMapping.values());
    Map<Integer, String> elementNames = numbering.pcollectionNames();

    boolean stateful =
        DoFnSignatures.isStateful(doFn) || signature.processElement().requiresTimeSortedInput();
    Coder<?> keyCoder = null;
    if (stateful) {
      Coder<?> inputKvCoder = input.getCoder();
      if (!(inputKvCoder instanceof KvCoder<?, ?> kv)) {
        throw new UnsupportedTransformException(
            "stateful DoFn in '"
                + name
                + "' needs a KV input with a KvCoder, got "
                + input.getCoder());
      }
      keyCoder = kv.getKeyCoder();
    }
    DoFnSchemaInformation schema;
    try {
      // What ParDoTranslation computes, without building the whole payload (DoFn serialized,
      // display data). It also rejects a DoFn that reads rows or fields of an input without a
      // schema: better now, naming the step, than an IndexOutOfBoundsException per element.
      schema = ParDo.getDoFnSchemaInformation(doFn, input);
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new IllegalArgumentException(
          "ParDo '"
              + name
              + "' cannot read its input "
              + input.getName()
              + " as it asks: "
              + e.getMessage()
              + " (a DoFn that takes @Element Row, @FieldAccess or a schema type needs an input"
              + " with a schema, for example from a @DefaultSchema class or setRowSchema)",
          e);
    }
    DoFnStep<Object> step =
        numbering.step(name, context, sideInputMapping, input.getWindowingStrategy(), keyCoder);
    Coder<Object> inputCoder = input.getCoder();
    boolean checkpointing = context.settings().checkpointing();
    boolean stableInput = signature.processElement().requiresStableInput();
    DoFnSchemaInformation finalSchema = schema;
    byte[] serializedFn = SerializableUtils.serializeToByteArray(doFn);

    JobVertex vertex =
        context.addOperator(
            name,
            () ->
                new ParDoOperator<>(
                        step,
                        (DoFn<Object, Object>)
                            SerializableUtils.deserializeFromByteArray(
                                serializedFn, "DoFn of " + name),
                        inputCoder,
                        finalSchema)
                    .withCheckpointing(checkpointing)
                    .countingElements(elementNames)
                    .withStableInput(stableInput));
    if (stateful) {
      context.connectByKey((PCollection<KV<Object, Object>>) (PCollection) input, vertex, 0);
    } else {
      context.connect(input, vertex, 0);
    }
    numbering.connect(context, vertex);
  }
}
