package dev.weir.translation;

import dev.weir.engine.graph.JobGraph;
import dev.weir.translation.combine.CombinePerKeyTranslator;
import dev.weir.translation.context.TranslationContext;
import dev.weir.translation.context.TranslationSettings;
import dev.weir.translation.context.UnsupportedTransformException;
import dev.weir.translation.io.SourceFailure;
import dev.weir.translation.metrics.JobMetrics;
import dev.weir.translation.primitives.BoundedUnboundedReadTranslator;
import dev.weir.translation.primitives.RedistributionTranslator;
import dev.weir.translation.primitives.TransformTranslator;
import dev.weir.translation.primitives.Translators;
import dev.weir.translation.views.CreateWeirView;
import java.util.List;
import org.apache.beam.runners.core.SplittableParDoViaKeyedWorkItems;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.runners.AppliedPTransform;
import org.apache.beam.sdk.runners.PTransformMatcher;
import org.apache.beam.sdk.runners.PTransformOverride;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.reflect.DoFnSignatures;
import org.apache.beam.sdk.util.construction.PTransformMatchers;
import org.apache.beam.sdk.util.construction.PTransformTranslation;
import org.apache.beam.sdk.util.construction.SplittableParDo;

/**
 * Turns a Beam pipeline into an engine job graph: first the pipeline surgery Weir needs (reads as
 * primitive sources, views as concatenated panes), then one translator per primitive, found by its
 * URN, walking the pipeline in topological order.
 */
public final class PipelineTranslator {

  /** The job graph and the metrics object its operators report to. */
  public record Translation(JobGraph jobGraph, JobMetrics metrics) {}

  private PipelineTranslator() {}

  /** Rewrites the pipeline in place so that only primitives Weir translates remain. */
  public static void applyOverrides(Pipeline pipeline) {
    SplittableParDo.convertReadBasedSplittableDoFnsToPrimitiveReadsIfNecessary(pipeline);
    pipeline.replaceAll(
        List.of(
            PTransformOverride.of(splittableParDo(), new SplittableParDo.OverrideFactory<>()),
            PTransformOverride.of(
                PTransformMatchers.urnEqualTo(PTransformTranslation.SPLITTABLE_PROCESS_KEYED_URN),
                new SplittableParDoViaKeyedWorkItems.OverrideFactory<>()),
            PTransformOverride.of(
                PTransformMatchers.classEqualTo(View.CreatePCollectionView.class),
                new CreateWeirView.OverrideFactory<>())));
  }

  /**
   * Beam's {@code PTransformMatchers.splittableParDo()}, without building every ParDo's payload
   * (DoFn serialized, options' display data) to find its restriction coder: a ParDo is splittable
   * exactly when its DoFn's signature says so.
   */
  private static PTransformMatcher splittableParDo() {
    PTransformMatcher beams = PTransformMatchers.splittableParDo();
    return applied ->
        applied.getTransform() instanceof ParDo.MultiOutput<?, ?> parDo
            ? DoFnSignatures.getSignature(parDo.getFn().getClass()).processElement().isSplittable()
            : beams.matches(applied);
  }

  public static Translation translate(
      Pipeline pipeline, String jobName, TranslationSettings settings, PipelineOptions options) {
    JobMetrics metrics = new JobMetrics();
    JobGraph graph = new JobGraph(jobName).userMetrics(metrics);
    TranslationContext context = new TranslationContext(graph, settings, options, metrics);
    pipeline.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public CompositeBehavior enterCompositeTransform(TransformHierarchy.Node node) {
            if (node.isRootNode()) {
              return CompositeBehavior.ENTER_TRANSFORM;
            }
            AppliedPTransform<?, ?, ?> applied = node.toAppliedPTransform(pipeline);
            boolean lift = CombinePerKeyTranslator.canLift(applied);
            boolean boundedRead = !lift && BoundedUnboundedReadTranslator.applies(applied);
            boolean redistribution =
                !lift && !boundedRead && RedistributionTranslator.applies(applied);
            if (lift || boundedRead || redistribution) {
              context.setCurrent(applied);
              try {
                if (lift) {
                  CombinePerKeyTranslator.translate(applied, context);
                } else if (boundedRead) {
                  BoundedUnboundedReadTranslator.translate(applied, context);
                } else {
                  RedistributionTranslator.translate(applied, context);
                }
              } catch (Exception e) {
                throw translationFailure(node, e);
              }
              return CompositeBehavior.DO_NOT_ENTER_TRANSFORM;
            }
            return CompositeBehavior.ENTER_TRANSFORM;
          }

          @Override
          public void visitPrimitiveTransform(TransformHierarchy.Node node) {
            AppliedPTransform<?, ?, ?> applied = node.toAppliedPTransform(pipeline);
            TransformTranslator translator;
            String urn = null;
            if (node.getTransform() instanceof CreateWeirView.MaterializeView) {
              translator = Translators.materializeView();
            } else {
              urn = PTransformTranslation.urnForTransformOrNull(node.getTransform());
              translator = Translators.forUrn(urn);
            }
            if (translator == null) {
              throw new UnsupportedTransformException(
                  "Weir cannot run the transform '"
                      + node.getFullName()
                      + "' ("
                      + node.getTransform().getClass().getName()
                      + (urn == null ? ", no URN" : ", URN " + urn)
                      + "): it is a primitive without a Weir translation. Use a transform built from Beam's core primitives instead.");
            }
            context.setCurrent(applied);
            try {
              translator.translate(applied, context);
            } catch (UnsupportedTransformException | IllegalArgumentException e) {
              throw e; // what the user can fix, already naming the step
            } catch (Exception e) {
              throw translationFailure(node, e);
            }
          }
        });
    if (context.usesTestStream()) {
      graph.useManualProcessingTime(System.currentTimeMillis());
    }
    return new Translation(graph, metrics);
  }

  /**
   * A step that failed to translate (a source that could not be split, say), described by the
   * nearest transform around it that has display data: for a KafkaIO read, its topics and bootstrap
   * servers, which the split source itself does not show.
   */
  private static IllegalStateException translationFailure(
      TransformHierarchy.Node node, Exception cause) {
    StringBuilder message =
        new StringBuilder("translating '").append(node.getFullName()).append("' failed");
    for (TransformHierarchy.Node n = node; n != null && !n.isRootNode(); n = n.getEnclosingNode()) {
      if (n.getTransform() == null) {
        continue;
      }
      String described = SourceFailure.describe(n.getTransform());
      if (described.contains("=") && message.length() < 2_000) {
        message.append(" (in ").append(n.getFullName()).append(": ").append(described).append(')');
      }
    }
    return new IllegalStateException(message + ": " + cause.getMessage(), cause);
  }
}
