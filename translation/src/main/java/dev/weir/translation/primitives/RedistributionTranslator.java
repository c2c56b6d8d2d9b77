package dev.weir.translation.primitives;

import dev.weir.engine.graph.JobVertex;
import dev.weir.translation.context.TranslationContext;
import dev.weir.translation.operators.PassThroughOperator;
import org.apache.beam.sdk.runners.AppliedPTransform;
import org.apache.beam.sdk.transforms.Redistribute;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.util.construction.PTransformReplacements;
import org.apache.beam.sdk.values.PCollection;

/**
 * {@code Reshuffle.of()} and {@code Redistribute.byKey()} (and so {@code Reshuffle.viaRandomKey()}
 * and {@code Redistribute.arbitrarily()}, which wrap them) as what they are for: a break in fusion
 * that spreads the elements over the next step's subtasks. Beam expands them into a GroupByKey with
 * a trigger firing per element and steps that reify and restore each element's timestamp, window
 * and pane, which ReduceFnRunner ran at tens of thousands of elements per second. Here the elements
 * cross an exchange by key unchanged, timestamp, window and pane included: what the expansion's
 * output is, and a key's elements stay in order as they would through the GroupByKey.
 */
public final class RedistributionTranslator {

  private RedistributionTranslator() {}

  public static boolean applies(AppliedPTransform<?, ?, ?> transform) {
    Object t = transform.getTransform();
    return t instanceof Reshuffle<?, ?> || t instanceof Redistribute.RedistributeByKey<?, ?>;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  public static void translate(AppliedPTransform<?, ?, ?> transform, TranslationContext context) {
    PCollection<?> input =
        PTransformReplacements.getSingletonMainInput((AppliedPTransform) transform);
    PCollection<?> output = (PCollection<?>) transform.getOutputs().values().iterator().next();
    JobVertex vertex = context.addOperator(transform.getFullName(), PassThroughOperator::new);
    // By key, as Beam's GroupByKey would: each key's elements keep their order
    // (PerKeyOrderingTest).
    context.connectByKey((PCollection) input, vertex, 0);
    context.setProducer(output, vertex, 0);
  }
}
