package dev.weir.translation.primitives;

import dev.weir.engine.graph.JobVertex;
import dev.weir.translation.context.TranslationContext;
import dev.weir.translation.operators.DoFnStep;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.runners.AppliedPTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.WindowingStrategy;

/**
 * How the outputs and side inputs of a DoFn transform are numbered on its vertex: the main output
 * is output 0, the other tags follow in the order Beam lists them (tags the DoFn declared but the
 * pipeline does not consume too, so the DoFn may emit to them); side input {@code i} arrives on
 * input {@code i + 1}.
 */
record DoFnOutputs(
    TupleTag<?> mainTag,
    Map<TupleTag<?>, Integer> indexes,
    Map<TupleTag<?>, Coder<?>> coders,
    List<TupleTag<?>> additional,
    Map<TupleTag<?>, PCollection<?>> outputs,
    Map<Integer, PCollectionView<?>> sideInputsByInput) {

  @SuppressWarnings({"unchecked", "rawtypes"})
  static DoFnOutputs of(
      AppliedPTransform<?, ?, ?> transform,
      TupleTag<?> mainTag,
      List<TupleTag<?>> declaredTags,
      Collection<PCollectionView<?>> sideInputs) {
    Map<TupleTag<?>, Integer> indexes = new HashMap<>();
    Map<TupleTag<?>, Coder<?>> coders = new HashMap<>();
    List<TupleTag<?>> additional = new ArrayList<>();
    Map<TupleTag<?>, PCollection<?>> outputs = new LinkedHashMap<>((Map) transform.getOutputs());
    indexes.put(mainTag, 0);
    int next = 1;
    for (Map.Entry<TupleTag<?>, PCollection<?>> o : outputs.entrySet()) {
      coders.put(o.getKey(), o.getValue().getCoder());
      if (!o.getKey().equals(mainTag)) {
        indexes.put(o.getKey(), next++);
        additional.add(o.getKey());
      }
    }
    for (TupleTag<?> tag : declaredTags) {
      if (!indexes.containsKey(tag)) {
        indexes.put(tag, next++);
        additional.add(tag);
      }
    }
    Map<Integer, PCollectionView<?>> byInput = new HashMap<>();
    int input = 1;
    for (PCollectionView<?> view : sideInputs) {
      byInput.put(input++, view);
    }
    return new DoFnOutputs(mainTag, indexes, coders, additional, outputs, byInput);
  }

  /** The step these outputs and side inputs belong to, with the translation's bundle settings. */
  @SuppressWarnings("unchecked")
  <OutputT> DoFnStep<OutputT> step(
      String name,
      TranslationContext context,
      Map<String, PCollectionView<?>> sideInputMapping,
      WindowingStrategy<?, ?> windowing,
      Coder<?> keyCoder) {
    return new DoFnStep<>(
        name,
        context.serializableOptions(),
        (TupleTag<OutputT>) mainTag,
        additional,
        indexes,
        coders,
        windowing,
        sideInputsByInput,
        sideInputMapping,
        keyCoder,
        context.metrics(),
        context.settings().maxBundleSize(),
        context.settings().maxBundleMillis());
  }

  /** Feeds the side inputs to {@code vertex} and makes it the producer of the outputs. */
  void connect(TranslationContext context, JobVertex vertex) {
    for (Map.Entry<Integer, PCollectionView<?>> side : sideInputsByInput.entrySet()) {
      context.connectSideInput(side.getValue(), vertex, side.getKey());
    }
    for (Map.Entry<TupleTag<?>, PCollection<?>> o : outputs.entrySet()) {
      context.setProducer(o.getValue(), vertex, indexes.get(o.getKey()));
    }
  }

  /** Output index to the name of the PCollection produced there (for element counts). */
  Map<Integer, String> pcollectionNames() {
    Map<Integer, String> names = new HashMap<>();
    outputs().forEach((tag, pcollection) -> names.put(indexes().get(tag), pcollection.getName()));
    return names;
  }
}
