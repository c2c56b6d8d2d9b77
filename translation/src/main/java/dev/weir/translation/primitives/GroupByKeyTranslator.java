package dev.weir.translation.primitives;

import dev.weir.engine.graph.JobVertex;
import dev.weir.translation.TranslationContext;
import dev.weir.translation.UnsupportedTransformException;
import dev.weir.translation.metrics.JobMetrics;
import dev.weir.translation.operators.GroupByKeyOperator;
import java.util.Map;
import org.apache.beam.runners.core.SystemReduceFn;
import org.apache.beam.runners.core.construction.SerializablePipelineOptions;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.runners.AppliedPTransform;
import org.apache.beam.sdk.util.construction.PTransformReplacements;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.WindowingStrategy;

/** GroupByKey: a HASH edge by encoded key into a ReduceFnRunner-based operator. */
final class GroupByKeyTranslator {

  private GroupByKeyTranslator() {}

  @SuppressWarnings({"unchecked", "rawtypes"})
  static void translate(AppliedPTransform<?, ?, ?> transform, TranslationContext context) {
    PCollection<KV<Object, Object>> input = (PCollection<KV<Object, Object>>) PTransformReplacements.getSingletonMainInput((AppliedPTransform) transform);
    PCollection<KV<Object, Iterable<Object>>> output = (PCollection) transform.getOutputs().values().iterator().next();
    if (!(input.getCoder() instanceof KvCoder)) {
      throw new UnsupportedTransformException("GroupByKey '" + transform.getFullName() + "' needs a KvCoder input, got " + input.getCoder());
    }
    KvCoder<Object, Object> kvCoder = (KvCoder<Object, Object>) input.getCoder();
    Coder<Object> keyCoder = kvCoder.getKeyCoder();
    SystemReduceFn reduceFn = SystemReduceFn.buffering(kvCoder.getValueCoder());
    String name = transform.getFullName();
    SerializablePipelineOptions options = context.serializableOptions();
    WindowingStrategy<?, ?> windowing = input.getWindowingStrategy();
    Coder outputCoder = output.getCoder();
    JobMetrics metrics = context.metrics();
    Map<Integer, String> elementNames = Map.of(0, output.getName());
    JobVertex vertex = context.addOperator(name, () -> new GroupByKeyOperator<>(name, options, reduceFn,
        new TupleTag<KV<Object, Iterable<Object>>>("output"), outputCoder, windowing, keyCoder, metrics).countingElements(elementNames));
    context.connectByKey(input, vertex, 0);
    context.setProducer(output, vertex, 0);
  }
}
