package dev.weir.translation.primitives;

import dev.weir.engine.graph.JobVertex;
import dev.weir.translation.context.TranslationContext;
import dev.weir.translation.context.UnsupportedTransformException;
import dev.weir.translation.grouping.BoundedGroupByKeyOperator;
import dev.weir.translation.merging.MergingWindowOperator;
import dev.weir.translation.merging.WindowContents;
import dev.weir.translation.metrics.JobMetrics;
import dev.weir.translation.operators.GroupByKeyOperator;
import dev.weir.translation.operators.OnTimeGroupByKeyOperator;
import java.util.Map;
import org.apache.beam.runners.core.SystemReduceFn;
import org.apache.beam.runners.core.construction.SerializablePipelineOptions;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.runners.AppliedPTransform;
import org.apache.beam.sdk.transforms.windowing.DefaultTrigger;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.util.construction.PTransformReplacements;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.WindowingStrategy;

/**
 * GroupByKey: a HASH edge by encoded key into {@link BoundedGroupByKeyOperator} (a bounded input
 * without checkpoints, windows fired once on time), {@link OnTimeGroupByKeyOperator} (windows that
 * do not merge, fired once on time), {@link MergingWindowOperator} (merging windows fired once on
 * time) or the ReduceFnRunner-based {@link GroupByKeyOperator} (triggers, allowed lateness).
 */
final class GroupByKeyTranslator {

  private GroupByKeyTranslator() {}

  /**
   * Windows that do not merge, the default trigger and no allowed lateness: each key and window
   * fires once, on time, and {@link OnTimeGroupByKeyOperator} does it without a ReduceFnRunner.
   */
  static boolean firesOnlyOnTime(WindowingStrategy<?, ?> windowing) {
    return windowing.getWindowFn().isNonMerging()
        && windowing.getTrigger() instanceof DefaultTrigger
        && windowing.getAllowedLateness().getMillis() == 0;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  static void translate(AppliedPTransform<?, ?, ?> transform, TranslationContext context) {
    PCollection<KV<Object, Object>> input =
        (PCollection<KV<Object, Object>>)
            PTransformReplacements.getSingletonMainInput((AppliedPTransform) transform);
    PCollection<KV<Object, Iterable<Object>>> output =
        (PCollection) transform.getOutputs().values().iterator().next();
    if (!(input.getCoder() instanceof KvCoder)) {
      throw new UnsupportedTransformException(
          "GroupByKey '"
              + transform.getFullName()
              + "' needs a KvCoder input, got "
              + input.getCoder());
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
    JobVertex vertex;
    if (firesOnlyOnTime(windowing)
        && input.isBounded() == PCollection.IsBounded.BOUNDED
        && !context.settings().checkpointing()) {
      // A batch job: grouped outside keyed state, spilling to disk past its share of the heap.
      Coder<Object> valueCoder = kvCoder.getValueCoder();
      Coder windowCoder = windowing.getWindowFn().windowCoder();
      TimestampCombiner timestamps = windowing.getTimestampCombiner();
      String outputName = output.getName();
      String spillDir = context.settings().spillDir();
      vertex =
          context.addOperator(
              name,
              () ->
                  new BoundedGroupByKeyOperator<>(
                      name,
                      keyCoder,
                      valueCoder,
                      windowCoder,
                      timestamps,
                      spillDir,
                      metrics,
                      outputName));
    } else if (firesOnlyOnTime(windowing)) {
      Coder<Object> valueCoder = kvCoder.getValueCoder();
      Coder windowCoder = windowing.getWindowFn().windowCoder();
      TimestampCombiner timestamps = windowing.getTimestampCombiner();
      String outputName = output.getName();
      vertex =
          context.addOperator(
              name,
              () ->
                  new OnTimeGroupByKeyOperator<>(
                      name, keyCoder, valueCoder, windowCoder, timestamps, metrics, outputName));
    } else if (MergingWindowOperator.applies(windowing)) {
      Coder<Object> valueCoder = kvCoder.getValueCoder();
      String outputName = output.getName();
      vertex =
          context.addOperator(
              name,
              () ->
                  new MergingWindowOperator<>(
                      name,
                      keyCoder,
                      windowing,
                      WindowContents.grouped(valueCoder),
                      metrics,
                      outputName));
    } else {
      vertex =
          context.addOperator(
              name,
              () ->
                  new GroupByKeyOperator<>(
                          name,
                          options,
                          reduceFn,
                          new TupleTag<KV<Object, Iterable<Object>>>("output"),
                          outputCoder,
                          windowing,
                          keyCoder,
                          metrics)
                      .countingElements(elementNames));
    }
    context.connectByKey(input, vertex, 0);
    context.setProducer(output, vertex, 0);
  }
}
