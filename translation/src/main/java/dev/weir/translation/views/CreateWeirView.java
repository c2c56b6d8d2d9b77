package dev.weir.translation.views;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.runners.AppliedPTransform;
import org.apache.beam.sdk.runners.PTransformOverrideFactory;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.util.construction.PTransformReplacements;
import org.apache.beam.sdk.util.construction.ReplacementOutputs;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTag;

/**
 * How a view is made on Weir: its elements are concatenated per window (one list per pane, so every
 * pane the consumers see is complete), then {@link MaterializeView} marks that list collection as
 * the view's data, which consumers receive over a broadcast edge.
 */
public final class CreateWeirView<ElemT, ViewT>
    extends PTransform<PCollection<ElemT>, PCollection<ElemT>> {

  private final PCollectionView<ViewT> view;

  private CreateWeirView(PCollectionView<ViewT> view) {
    this.view = view;
  }

  @Override
  public PCollection<ElemT> expand(PCollection<ElemT> input) {
    Coder<ElemT> coder = input.getCoder();
    input
        .apply(Combine.globally(new Concatenate<ElemT>()).withoutDefaults())
        .setCoder(ListCoder.of(coder))
        .apply(new MaterializeView<>(view));
    return input;
  }

  /** The primitive that ends a view: translation records its input as the view's data. */
  public static final class MaterializeView<ElemT, ViewT>
      extends PTransform<PCollection<List<ElemT>>, PCollection<List<ElemT>>> {
    private final PCollectionView<ViewT> view;

    MaterializeView(PCollectionView<ViewT> view) {
      this.view = view;
    }

    public PCollectionView<ViewT> view() {
      return view;
    }

    @Override
    public PCollection<List<ElemT>> expand(PCollection<List<ElemT>> input) {
      return PCollection.createPrimitiveOutputInternal(
          input.getPipeline(), input.getWindowingStrategy(), input.isBounded(), input.getCoder());
    }
  }

  /** Collects all elements of a pane into one list. */
  static final class Concatenate<T> extends Combine.CombineFn<T, List<T>, List<T>> {
    @Override
    public List<T> createAccumulator() {
      return new ArrayList<>();
    }

    @Override
    public List<T> addInput(List<T> accumulator, T input) {
      accumulator.add(input);
      return accumulator;
    }

    @Override
    public List<T> mergeAccumulators(Iterable<List<T>> accumulators) {
      List<T> merged = new ArrayList<>();
      for (List<T> a : accumulators) {
        merged.addAll(a);
      }
      return merged;
    }

    @Override
    public List<T> extractOutput(List<T> accumulator) {
      return accumulator;
    }

    @Override
    public Coder<List<T>> getAccumulatorCoder(CoderRegistry registry, Coder<T> inputCoder) {
      return ListCoder.of(inputCoder);
    }

    @Override
    public Coder<List<T>> getDefaultOutputCoder(CoderRegistry registry, Coder<T> inputCoder) {
      return ListCoder.of(inputCoder);
    }
  }

  /** Replaces Beam's CreatePCollectionView with {@link CreateWeirView}. */
  public static final class OverrideFactory<ElemT, ViewT>
      implements PTransformOverrideFactory<
          PCollection<ElemT>, PCollection<ElemT>, View.CreatePCollectionView<ElemT, ViewT>> {

    @Override
    @SuppressWarnings("unchecked")
    public PTransformReplacement<PCollection<ElemT>, PCollection<ElemT>> getReplacementTransform(
        AppliedPTransform<
                PCollection<ElemT>, PCollection<ElemT>, View.CreatePCollectionView<ElemT, ViewT>>
            transform) {
      PCollectionView<ViewT> view = (PCollectionView<ViewT>) transform.getTransform().getView();
      return PTransformReplacement.of(
          PTransformReplacements.getSingletonMainInput(transform), new CreateWeirView<>(view));
    }

    @Override
    public Map<PCollection<?>, ReplacementOutput> mapOutputs(
        Map<TupleTag<?>, PCollection<?>> outputs, PCollection<ElemT> newOutput) {
      return ReplacementOutputs.singleton(outputs, newOutput);
    }
  }
}
