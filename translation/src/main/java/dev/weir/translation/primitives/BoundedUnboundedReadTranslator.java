package dev.weir.translation.primitives;

import dev.weir.engine.graph.JobVertex;
import dev.weir.translation.context.TranslationContext;
import dev.weir.translation.io.RecordIdDeduplication;
import dev.weir.translation.io.UnboundedSourceAdapter;
import java.lang.reflect.Field;
import org.apache.beam.sdk.io.BoundedReadFromUnboundedSource;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.runners.AppliedPTransform;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;

/**
 * A bounded read of an unbounded source ({@code withMaxNumRecords} / {@code withMaxReadTime}) as
 * one engine source whose splits all read at once. Beam's own expansion reads up to 100 splits one
 * after the other per worker thread, each for the full read time; with a read-time limit that takes
 * minutes on a few cores instead of seconds. Beam offers no accessors for the limits, so they are
 * read reflectively; if that fails the transform is expanded as usual.
 */
public final class BoundedUnboundedReadTranslator {

  private BoundedUnboundedReadTranslator() {}

  private record Limits(UnboundedSource<?, ?> source, long maxNumRecords, Duration maxReadTime) {}

  private static Limits limits(Object transform) {
    if (!(transform instanceof BoundedReadFromUnboundedSource<?>)) {
      return null;
    }
    try {
      return new Limits(
          (UnboundedSource<?, ?>) field(transform, "source"),
          (Long) field(transform, "maxNumRecords"),
          (Duration) field(transform, "maxReadTime"));
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  private static Object field(Object target, String name) throws ReflectiveOperationException {
    Field f = BoundedReadFromUnboundedSource.class.getDeclaredField(name);
    f.setAccessible(true);
    return f.get(target);
  }

  public static boolean applies(AppliedPTransform<?, ?, ?> transform) {
    return limits(transform.getTransform()) != null;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  public static void translate(AppliedPTransform<?, ?, ?> transform, TranslationContext context)
      throws Exception {
    Limits limits = limits(transform.getTransform());
    long maxReadTime =
        limits.maxReadTime() == null ? Long.MAX_VALUE : limits.maxReadTime().getMillis();
    UnboundedSourceAdapter<?> source =
        new UnboundedSourceAdapter<>(
            (UnboundedSource) limits.source(),
            context.settings().parallelism(),
            context.serializableOptions(),
            limits.maxNumRecords(),
            maxReadTime,
            transform.getFullName(),
            context.metrics());
    JobVertex v = context.addSource(transform.getFullName(), source);
    PCollection<?> output = (PCollection<?>) transform.getOutputs().values().iterator().next();
    if (source.emitsRecordIds()) {
      RecordIdDeduplication.addAfter(context, v, (PCollection) output, transform.getFullName());
    } else {
      context.setProducer(output, v, 0);
    }
  }
}
