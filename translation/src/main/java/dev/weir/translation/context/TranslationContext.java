package dev.weir.translation.context;

import dev.weir.engine.graph.JobEdge;
import dev.weir.engine.graph.JobGraph;
import dev.weir.engine.graph.JobVertex;
import dev.weir.engine.graph.KeySelector;
import dev.weir.engine.graph.OperatorFactory;
import dev.weir.engine.source.Source;
import dev.weir.state.serialization.TypeSerializer;
import dev.weir.translation.metrics.JobMetrics;
import dev.weir.translation.wire.EncodedKey;
import dev.weir.translation.wire.KeyBytes;
import dev.weir.translation.wire.WindowedValueSerializer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.beam.runners.core.construction.SerializablePipelineOptions;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.runners.AppliedPTransform;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.PValue;

/**
 * The state of one translation: the job graph so far, which vertex output produces each PCollection
 * (and each view), and how to connect a consumer to them.
 */
public final class TranslationContext {

  /** Where a PCollection's elements come from: an output of a vertex. */
  public record Producer(JobVertex vertex, int output) {}

  private final JobGraph graph;
  private final TranslationSettings settings;
  private final PipelineOptions options;
  private final JobMetrics metrics;
  private final Map<PValue, Producer> producers = new HashMap<>();
  private final Map<PCollectionView<?>, PCollection<?>> viewData = new HashMap<>();
  private final Map<PCollection<?>, PCollection<?>> workItemInputs = new HashMap<>();
  private final Set<String> names = new HashSet<>();
  private AppliedPTransform<?, ?, ?> current;
  private SerializablePipelineOptions serializableOptions;
  private boolean usesTestStream;

  /** A context that adds the translation of one pipeline to {@code graph}. */
  public TranslationContext(
      JobGraph graph, TranslationSettings settings, PipelineOptions options, JobMetrics metrics) {
    this.graph = graph;
    this.settings = settings;
    this.options = options;
    this.metrics = metrics;
  }

  /** A TestStream drives the job's processing time: the job runs on a manual clock. */
  public void markUsesTestStream() {
    usesTestStream = true;
  }

  /** Whether a TestStream was translated (see {@link #markUsesTestStream()}). */
  public boolean usesTestStream() {
    return usesTestStream;
  }

  public TranslationSettings settings() {
    return settings;
  }

  public PipelineOptions options() {
    return options;
  }

  /**
   * The options as the job's operators carry them, made once per translation: serializing them
   * (JSON, with display data) took half of a small pipeline's start when every step did it.
   */
  public SerializablePipelineOptions serializableOptions() {
    if (serializableOptions == null) {
      serializableOptions = new SerializablePipelineOptions(options);
    }
    return serializableOptions;
  }

  public JobMetrics metrics() {
    return metrics;
  }

  /** Called by the pipeline translator before it translates {@code transform}. */
  public void setCurrent(AppliedPTransform<?, ?, ?> transform) {
    this.current = transform;
  }

  /** The transform being translated. */
  public AppliedPTransform<?, ?, ?> current() {
    return current;
  }

  /** A vertex name unique in the job, after the transform's full name. */
  private String uniqueName(String base) {
    String name = base.isEmpty() ? "root" : base;
    int n = 2;
    while (!names.add(name)) {
      name = base + "#" + n++;
    }
    return name;
  }

  public JobVertex addSource(String name, Source<?> source) {
    return addSource(name, source, settings.parallelism());
  }

  /** A source with its own parallelism (a TestStream replays from exactly one subtask). */
  public JobVertex addSource(String name, Source<?> source, int parallelism) {
    return graph
        .addSource(uniqueName(name), source, parallelism)
        .maxParallelism(settings.maxParallelism());
  }

  public <IN, OUT> JobVertex addOperator(String name, OperatorFactory<IN, OUT> factory) {
    return graph
        .addOperator(uniqueName(name), factory, settings.parallelism())
        .maxParallelism(settings.maxParallelism());
  }

  public void setProducer(PValue value, JobVertex vertex, int output) {
    producers.put(value, new Producer(vertex, output));
  }

  /**
   * Makes {@code alias} be produced wherever {@code value} is (a transform that changes nothing).
   */
  public void alias(PValue alias, PValue value) {
    producers.put(alias, producer(value));
  }

  public Producer producer(PValue value) {
    Producer p = producers.get(value);
    if (p == null) {
      throw new IllegalStateException(
          "no producer for "
              + value
              + " while translating "
              + (current == null ? "?" : current.getFullName()));
    }
    return p;
  }

  public void setViewData(PCollectionView<?> view, PCollection<?> data) {
    viewData.put(view, data);
  }

  public PCollection<?> viewData(PCollectionView<?> view) {
    PCollection<?> data = viewData.get(view);
    if (data == null) {
      throw new IllegalStateException("side input " + view + " was used before it was created");
    }
    return data;
  }

  /** Records that {@code workItems} stands for {@code keyedInput} grouped into keyed work items. */
  public void setWorkItemInput(PCollection<?> workItems, PCollection<?> keyedInput) {
    workItemInputs.put(workItems, keyedInput);
  }

  public PCollection<?> workItemInput(PCollection<?> workItems) {
    PCollection<?> input = workItemInputs.get(workItems);
    if (input == null) {
      throw new IllegalStateException(
          "keyed work items " + workItems + " have no known keyed input");
    }
    return input;
  }

  /**
   * The serializer of a PCollection's elements on the wire: its coder inside a windowed-value
   * encoding ({@link WindowedValueSerializer}).
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static <T> WindowedValueSerializer<T> wireSerializer(PCollection<T> pc) {
    Coder windowCoder = pc.getWindowingStrategy().getWindowFn().windowCoder();
    return new WindowedValueSerializer<>(pc.getCoder(), windowCoder);
  }

  /**
   * Connects {@code input} to the consumer's input {@code index}: FORWARD (chained when possible)
   * between equal parallelism, otherwise REBALANCE.
   */
  public JobEdge connect(PCollection<?> input, JobVertex consumer, int index) {
    Producer p = producer(input);
    JobEdge edge =
        graph
            .connect(p.vertex(), consumer)
            .fromOutput(p.output())
            .toInput(index)
            .serializer(wireSerializer(input))
            .encodeWhenChained(settings.encodabilityCheckInterval());
    return p.vertex().parallelism() == consumer.parallelism() ? edge : edge.rebalance();
  }

  /** Connects a keyed input by the encoded key: every element of a key reaches the same subtask. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public <K, V> JobEdge connectByKey(PCollection<KV<K, V>> input, JobVertex consumer, int index) {
    Coder<K> keyCoder = ((KvCoder<K, V>) input.getCoder()).getKeyCoder();
    consumer.keySerializer(new EncodedKey.Serializer());
    return connect(input, consumer, index).hash((KeySelector) EncodedKey.ofKv(keyCoder));
  }

  /**
   * Connects a vertex output carrying windowed KVs (not a PCollection of the pipeline) by encoded
   * key.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public <K> JobEdge connectByKey(
      JobVertex from, int output, Coder<K> keyCoder, TypeSerializer<?> wire, JobVertex consumer) {
    consumer.keySerializer(new EncodedKey.Serializer());
    return graph
        .connect(from, consumer)
        .fromOutput(output)
        .serializer(wire)
        .hash((KeySelector) EncodedKey.ofKv(keyCoder));
  }

  /**
   * Connects the main output of {@code from} to {@code consumer}, partitioned by the key {@code
   * key} picks from each record (an encoded key: the consumer sees keyed state per key).
   */
  public JobEdge connectByEncodedKey(
      JobVertex from, TypeSerializer<?> wire, KeySelector<?, KeyBytes> key, JobVertex consumer) {
    consumer.keySerializer(new EncodedKey.Serializer());
    return graph.connect(from, consumer).serializer(wire).hash(key);
  }

  /** Connects a view's data to every subtask of the consumer, as a side input. */
  public JobEdge connectSideInput(PCollectionView<?> view, JobVertex consumer, int index) {
    return connect(viewData(view), consumer, index).broadcast().excludeFromWatermark();
  }

  JobGraph graph() {
    return graph;
  }
}
