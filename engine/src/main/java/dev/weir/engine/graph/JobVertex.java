package dev.weir.engine.graph;

import dev.weir.engine.source.Source;
import dev.weir.state.KeyGroups;
import dev.weir.state.serialization.TypeSerializer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A node of the job graph: a source or an operator, run as {@link #parallelism()} subtasks.
 * Vertices joined by a FORWARD edge of equal parallelism run chained in one task.
 */
public final class JobVertex {

  private final int id;
  private final String name;
  private final Source<?> source;
  private final OperatorFactory<?, ?> operatorFactory;
  private int parallelism;
  private int maxParallelism = KeyGroups.DEFAULT_MAX_PARALLELISM;
  private boolean chainingAllowed = true;
  private TypeSerializer<?> keySerializer;
  final List<JobEdge> inputs = new ArrayList<>();
  final List<JobEdge> outputs = new ArrayList<>();

  JobVertex(
      int id,
      String name,
      Source<?> source,
      OperatorFactory<?, ?> operatorFactory,
      int parallelism) {
    this.id = id;
    this.name = name;
    this.source = source;
    this.operatorFactory = operatorFactory;
    this.parallelism = parallelism;
  }

  public int id() {
    return id;
  }

  public String name() {
    return name;
  }

  public boolean isSource() {
    return source != null;
  }

  public Source<?> source() {
    return source;
  }

  public OperatorFactory<?, ?> operatorFactory() {
    return operatorFactory;
  }

  public int parallelism() {
    return parallelism;
  }

  public JobVertex parallelism(int parallelism) {
    this.parallelism = parallelism;
    return this;
  }

  /** Number of key groups of this vertex's keyed state: the upper bound of its parallelism. */
  public int maxParallelism() {
    return maxParallelism;
  }

  public JobVertex maxParallelism(int maxParallelism) {
    this.maxParallelism = maxParallelism;
    return this;
  }

  public boolean chainingAllowed() {
    return chainingAllowed;
  }

  /** Keeps this vertex out of its predecessor's task even over a chainable FORWARD edge. */
  public JobVertex disableChaining() {
    this.chainingAllowed = false;
    return this;
  }

  /**
   * Serializer of the keys of this vertex's keyed state, needed to snapshot it; Kryo when unset.
   */
  public TypeSerializer<?> keySerializer() {
    return keySerializer;
  }

  public JobVertex keySerializer(TypeSerializer<?> keySerializer) {
    this.keySerializer = keySerializer;
    return this;
  }

  /** True when some input is a HASH edge: the operator then has keyed state and timers. */
  public boolean isKeyed() {
    for (JobEdge e : inputs) {
      if (e.partitioning() == Partitioning.HASH) {
        return true;
      }
    }
    return false;
  }

  public List<JobEdge> inputs() {
    return Collections.unmodifiableList(inputs);
  }

  public List<JobEdge> outputs() {
    return Collections.unmodifiableList(outputs);
  }

  @Override
  public String toString() {
    return "vertex '" + name + "'";
  }
}
