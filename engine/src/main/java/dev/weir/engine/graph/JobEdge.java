package dev.weir.engine.graph;

import dev.weir.engine.serialization.KryoSerializer;
import dev.weir.state.serialization.TypeSerializer;
import java.util.Objects;

/**
 * A connection from one output of a vertex to one input of another, with its partitioning and the
 * serializer of its records (needed unless the edge is chained).
 */
public final class JobEdge {

  private final JobVertex source;
  private final JobVertex target;
  private final String targetName;
  private Partitioning partitioning = Partitioning.FORWARD;
  private KeySelector<?, ?> keySelector;
  private TypeSerializer<?> serializer;
  private int sourceOutput;
  private int targetInput;
  private boolean excludedFromWatermark;
  private int encodeWhenChainedEvery;

  JobEdge(JobVertex source, JobVertex target, String targetName) {
    this.source = source;
    this.target = target;
    this.targetName = targetName;
  }

  public JobVertex source() {
    return source;
  }

  /** The consuming vertex; {@code null} when the edge named a vertex that is not in the graph. */
  public JobVertex target() {
    return target;
  }

  String targetName() {
    return targetName;
  }

  public Partitioning partitioning() {
    return partitioning;
  }

  public KeySelector<?, ?> keySelector() {
    return keySelector;
  }

  public TypeSerializer<?> serializer() {
    return serializer;
  }

  public int sourceOutput() {
    return sourceOutput;
  }

  public int targetInput() {
    return targetInput;
  }

  public JobEdge forward() {
    partitioning = Partitioning.FORWARD;
    keySelector = null;
    return this;
  }

  public JobEdge rebalance() {
    partitioning = Partitioning.REBALANCE;
    keySelector = null;
    return this;
  }

  public JobEdge broadcast() {
    partitioning = Partitioning.BROADCAST;
    keySelector = null;
    return this;
  }

  /** Partitions by key group of {@code keySelector}'s key; the consumer sees state per key. */
  public <T, K> JobEdge hash(KeySelector<T, K> keySelector) {
    partitioning = Partitioning.HASH;
    this.keySelector = Objects.requireNonNull(keySelector, "keySelector");
    return this;
  }

  public JobEdge serializer(TypeSerializer<?> serializer) {
    this.serializer = serializer;
    return this;
  }

  /**
   * Serializes records of {@code type} (and its subclasses) with Kryo, the default for plain Java
   * types.
   */
  public JobEdge kryo(Class<?> type) {
    this.serializer = new KryoSerializer<>(type);
    return this;
  }

  /**
   * A chained edge hands records over as objects; with {@code every} &gt; 0 it also serializes its
   * first record and every {@code every}-th after it (1: all of them), dropping the bytes, so a
   * serializer that cannot encode its records fails the job as it would on an edge between tasks.
   * Each check costs one serialization; 0 (the default) checks none.
   */
  public JobEdge encodeWhenChained(int every) {
    if (every < 0) {
      throw new IllegalArgumentException("encodeWhenChained must be 0 or more, got " + every);
    }
    this.encodeWhenChainedEvery = every;
    return this;
  }

  /** How often a chained edge serializes its records anyway; see {@link #encodeWhenChained}. */
  public int encodeWhenChainedEvery() {
    return encodeWhenChainedEvery;
  }

  /** Takes the records of the source's side output {@code index} (0 is the main output). */
  public JobEdge fromOutput(int index) {
    this.sourceOutput = index;
    return this;
  }

  /** Delivers to the target's input {@code index} (0 is the main input). */
  public JobEdge toInput(int index) {
    this.targetInput = index;
    return this;
  }

  /**
   * Keeps this edge's watermarks out of the consumer's event time: they reach the operator through
   * {@link dev.weir.engine.operator.Operator#processInputWatermark} instead (side inputs, whose
   * progress must not hold back or drive the main input's timers). Every edge into the same input
   * must agree.
   */
  public JobEdge excludeFromWatermark() {
    this.excludedFromWatermark = true;
    return this;
  }

  public boolean isExcludedFromWatermark() {
    return excludedFromWatermark;
  }

  /** Whether this edge runs chained: FORWARD, equal parallelism, and the target's only input. */
  public boolean isChained() {
    return partitioning == Partitioning.FORWARD
        && target != null
        && target.chainingAllowed()
        && target.inputs.size() == 1
        && !target.isSource()
        && source.parallelism() == target.parallelism();
  }

  @Override
  public String toString() {
    return "edge '"
        + source.name()
        + "' -> '"
        + (target == null ? targetName : target.name())
        + "' ("
        + partitioning
        + ")";
  }
}
