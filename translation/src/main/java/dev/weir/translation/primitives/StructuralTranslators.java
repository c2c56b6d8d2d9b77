package dev.weir.translation.primitives;

import dev.weir.engine.graph.JobVertex;
import dev.weir.translation.context.TranslationContext;
import dev.weir.translation.io.EmptySource;
import dev.weir.translation.operators.PassThroughOperator;
import dev.weir.translation.operators.WindowAssignOperator;
import dev.weir.translation.views.CreateWeirView;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.runners.AppliedPTransform;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.transforms.windowing.WindowFn;
import org.apache.beam.sdk.util.construction.PTransformReplacements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PValue;

/** Flatten, Window.Assign and the end of a view: transforms that route or relabel elements. */
final class StructuralTranslators {

  private StructuralTranslators() {}

  private static PValue onlyOutput(AppliedPTransform<?, ?, ?> transform) {
    return (PCollection<?>) transform.getOutputs().values().iterator().next();
  }

  static void flatten(AppliedPTransform<?, ?, ?> transform, TranslationContext context) {
    List<PCollection<?>> inputs = new ArrayList<>();
    for (Object in : transform.getInputs().values()) {
      inputs.add((PCollection<?>) in);
    }
    JobVertex vertex;
    if (inputs.isEmpty()) {
      vertex = context.addSource(transform.getFullName(), new EmptySource<>());
    } else {
      vertex = context.addOperator(transform.getFullName(), PassThroughOperator::new);
      for (PCollection<?> in : inputs) {
        context.connect(in, vertex, 0);
      }
    }
    context.setProducer(onlyOutput(transform), vertex, 0);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  static void assignWindows(AppliedPTransform<?, ?, ?> transform, TranslationContext context) {
    PCollection<?> input =
        PTransformReplacements.getSingletonMainInput((AppliedPTransform) transform);
    WindowFn<?, ?> windowFn = ((Window.Assign<?>) transform.getTransform()).getWindowFn();
    if (windowFn == null) {
      context.alias(onlyOutput(transform), input); // only the trigger or lateness changed
      return;
    }
    JobVertex vertex =
        context.addOperator(
            transform.getFullName(), () -> new WindowAssignOperator<>((WindowFn) windowFn));
    context.connect(input, vertex, 0);
    context.setProducer(onlyOutput(transform), vertex, 0);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  static void materializeView(AppliedPTransform<?, ?, ?> transform, TranslationContext context) {
    PCollection<?> input =
        PTransformReplacements.getSingletonMainInput((AppliedPTransform) transform);
    CreateWeirView.MaterializeView<?, ?> materialize =
        (CreateWeirView.MaterializeView<?, ?>) transform.getTransform();
    context.setViewData(materialize.view(), input);
    context.alias(onlyOutput(transform), input);
  }
}
