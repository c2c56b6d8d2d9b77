package dev.weir.engine.graph;

import dev.weir.engine.metrics.UserMetrics;
import dev.weir.engine.source.Source;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * What a job computes: sources, operators and the edges between them. Built by the user (or by Beam
 * translation), validated by {@link JobGraphValidator} when submitted.
 */
public final class JobGraph {

  private final String name;
  private final List<JobVertex> vertices = new ArrayList<>();
  private final List<JobEdge> edges = new ArrayList<>();
  private Long manualProcessingTimeStart;
  private UserMetrics userMetrics;

  public JobGraph(String name) {
    this.name = name;
  }

  public String name() {
    return name;
  }

  /**
   * Runs the job on a manual processing-time clock starting at {@code startMillis}, which a source
   * moves with {@link dev.weir.engine.source.SourceContext#setProcessingTime}; tests replaying a
   * script use it. The default is the wall clock.
   */
  public JobGraph useManualProcessingTime(long startMillis) {
    this.manualProcessingTimeStart = startMillis;
    return this;
  }

  /** The start of the manual clock, or {@code null} for the wall clock. */
  public Long manualProcessingTimeStart() {
    return manualProcessingTimeStart;
  }

  /**
   * Where the job's user code counts its metrics, which the engine reports to the job's client from
   * every process the job runs in.
   */
  public JobGraph userMetrics(UserMetrics metrics) {
    this.userMetrics = metrics;
    return this;
  }

  /** Where the job's user code counts its metrics, or {@code null}. */
  public UserMetrics userMetrics() {
    return userMetrics;
  }

  public JobVertex addSource(String name, Source<?> source, int parallelism) {
    JobVertex v =
        new JobVertex(
            vertices.size(), name, Objects.requireNonNull(source, "source"), null, parallelism);
    vertices.add(v);
    return v;
  }

  public <IN, OUT> JobVertex addOperator(
      String name, OperatorFactory<IN, OUT> factory, int parallelism) {
    JobVertex v =
        new JobVertex(
            vertices.size(), name, null, Objects.requireNonNull(factory, "factory"), parallelism);
    vertices.add(v);
    return v;
  }

  /**
   * Connects {@code from}'s main output to {@code to}'s main input with a FORWARD edge; adjust with
   * the edge's methods.
   */
  public JobEdge connect(JobVertex from, JobVertex to) {
    JobEdge e = new JobEdge(from, to, to.name());
    from.outputs.add(e);
    to.inputs.add(e);
    edges.add(e);
    return e;
  }

  /** Connects vertices by name; a name not in the graph is reported when the graph is validated. */
  public JobEdge connect(String from, String to) {
    JobVertex source = vertex(from);
    if (source == null) {
      throw new InvalidJobGraphException(
          "job '"
              + this.name
              + "': edge from unknown vertex '"
              + from
              + "'; add the vertex before connecting it");
    }
    JobVertex target = vertex(to);
    if (target != null) {
      return connect(source, target);
    }
    JobEdge e = new JobEdge(source, null, to);
    source.outputs.add(e);
    edges.add(e);
    return e;
  }

  public JobVertex vertex(String name) {
    for (JobVertex v : vertices) {
      if (v.name().equals(name)) {
        return v;
      }
    }
    return null;
  }

  public List<JobVertex> vertices() {
    return Collections.unmodifiableList(vertices);
  }

  public List<JobEdge> edges() {
    return Collections.unmodifiableList(edges);
  }

  boolean contains(JobVertex v) {
    return v != null && v.id() < vertices.size() && vertices.get(v.id()) == v;
  }
}
