package dev.weir.translation.primitives;

import dev.weir.engine.graph.JobVertex;
import dev.weir.engine.source.Source;
import dev.weir.translation.context.TranslationContext;
import dev.weir.translation.context.UnsupportedTransformException;
import dev.weir.translation.io.BoundedSourceAdapter;
import dev.weir.translation.io.ImpulseSource;
import dev.weir.translation.io.RecordIdDeduplication;
import dev.weir.translation.io.TestStreamSource;
import dev.weir.translation.io.UnboundedSourceAdapter;
import org.apache.beam.sdk.io.BoundedSource;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.runners.AppliedPTransform;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.util.construction.SplittableParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PValue;

/**
 * Impulse, Read (bounded and unbounded) and TestStream: the transforms that become engine sources.
 */
final class SourceTranslators {

  private SourceTranslators() {}

  private static PValue onlyOutput(AppliedPTransform<?, ?, ?> transform) {
    return (PCollection<?>) transform.getOutputs().values().iterator().next();
  }

  static void impulse(AppliedPTransform<?, ?, ?> transform, TranslationContext context) {
    JobVertex v = context.addSource(transform.getFullName(), new ImpulseSource());
    context.setProducer(onlyOutput(transform), v, 0);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  static void read(AppliedPTransform<?, ?, ?> transform, TranslationContext context)
      throws Exception {
    Object t = transform.getTransform();
    int parallelism = context.settings().parallelism();
    Source<?> source;
    if (t instanceof SplittableParDo.PrimitiveBoundedRead<?> read) {
      source =
          new BoundedSourceAdapter<>(
              (BoundedSource) read.getSource(),
              parallelism,
              context.serializableOptions(),
              transform.getFullName(),
              context.metrics());
    } else if (t instanceof SplittableParDo.PrimitiveUnboundedRead<?> read) {
      source =
          new UnboundedSourceAdapter<>(
              (UnboundedSource) read.getSource(),
              parallelism,
              context.serializableOptions(),
              transform.getFullName(),
              context.metrics());
    } else if (t instanceof Read.Bounded<?> read) {
      source =
          new BoundedSourceAdapter<>(
              (BoundedSource) read.getSource(),
              parallelism,
              context.serializableOptions(),
              transform.getFullName(),
              context.metrics());
    } else if (t instanceof Read.Unbounded<?> read) {
      source =
          new UnboundedSourceAdapter<>(
              (UnboundedSource) read.getSource(),
              parallelism,
              context.serializableOptions(),
              transform.getFullName(),
              context.metrics());
    } else {
      throw new UnsupportedTransformException(
          "read transform '"
              + transform.getFullName()
              + "' of type "
              + t.getClass().getName()
              + " is not supported");
    }
    JobVertex v = context.addSource(transform.getFullName(), source);
    if (source instanceof UnboundedSourceAdapter<?> unbounded && unbounded.emitsRecordIds()) {
      RecordIdDeduplication.addAfter(
          context, v, (PCollection) onlyOutput(transform), transform.getFullName());
    } else {
      context.setProducer(onlyOutput(transform), v, 0);
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  static void testStream(AppliedPTransform<?, ?, ?> transform, TranslationContext context) {
    TestStream<?> stream = (TestStream<?>) transform.getTransform();
    // One replaying subtask: a second one, not yet ended, would hold the watermark back and make
    // late data look on time.
    JobVertex v =
        context.addSource(
            transform.getFullName(),
            new TestStreamSource(stream.getEvents(), stream.getValueCoder()),
            1);
    context.markUsesTestStream();
    context.setProducer(onlyOutput(transform), v, 0);
  }
}
