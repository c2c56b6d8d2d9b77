package dev.weir.engine.graph;

import dev.weir.state.KeyGroups;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Refuses job graphs that cannot run, before any thread starts, with a message that names the
 * vertex or edge at fault and says how to fix it.
 */
public final class JobGraphValidator {

  private JobGraphValidator() {}

  /** Validates and returns the vertices in topological order (producers before consumers). */
  public static List<JobVertex> validate(JobGraph graph) {
    String job = "job '" + graph.name() + "': ";
    if (graph.vertices().isEmpty()) {
      throw new InvalidJobGraphException(
          job + "the job graph has no vertices; add at least one source");
    }
    Set<String> names = new HashSet<>();
    for (JobVertex v : graph.vertices()) {
      if (!names.add(v.name())) {
        throw new InvalidJobGraphException(
            job + "two vertices are named '" + v.name() + "'; vertex names must be unique");
      }
      if (v.parallelism() < 1) {
        throw new InvalidJobGraphException(
            job + v + " has parallelism " + v.parallelism() + "; set a parallelism of at least 1");
      }
      if (v.maxParallelism() < v.parallelism()) {
        throw new InvalidJobGraphException(
            job
                + v
                + " has max parallelism "
                + v.maxParallelism()
                + " below its parallelism "
                + v.parallelism()
                + "; raise the max parallelism (the number of key groups) to at least the parallelism");
      }
      if (v.maxParallelism() > KeyGroups.UPPER_BOUND_MAX_PARALLELISM) {
        throw new InvalidJobGraphException(
            job
                + v
                + " has max parallelism "
                + v.maxParallelism()
                + "; the most supported is "
                + KeyGroups.UPPER_BOUND_MAX_PARALLELISM);
      }
      if (v.isSource() && !v.inputs().isEmpty()) {
        throw new InvalidJobGraphException(
            job + "source " + v + " has inputs; only operators can consume edges");
      }
      if (!v.isSource() && v.inputs().isEmpty()) {
        throw new InvalidJobGraphException(
            job + v + " has no input; connect it to a source or an operator, or remove it");
      }
    }
    for (JobEdge e : graph.edges()) {
      if (e.target() == null || !graph.contains(e.target())) {
        throw new InvalidJobGraphException(
            job
                + e
                + " leads to a vertex '"
                + e.targetName()
                + "' that is not in this job graph; add that vertex to the graph or fix the edge's target");
      }
      if (!graph.contains(e.source())) {
        throw new InvalidJobGraphException(
            job + e + " comes from a vertex that is not in this job graph");
      }
      if (e.partitioning() == Partitioning.FORWARD
          && e.source().parallelism() != e.target().parallelism()) {
        throw new InvalidJobGraphException(
            job
                + e
                + " is FORWARD between parallelism "
                + e.source().parallelism()
                + " and "
                + e.target().parallelism()
                + "; give both vertices the same parallelism or use REBALANCE or HASH");
      }
      if (e.partitioning() == Partitioning.HASH
          && e.target().maxParallelism() < e.target().parallelism()) {
        throw new InvalidJobGraphException(job + e + " hashes into more subtasks than key groups");
      }
      if (!e.isChained() && e.serializer() == null) {
        throw new InvalidJobGraphException(
            job
                + e
                + " is not chained ("
                + whyNotChained(e)
                + ") so its records are serialized, but it has no serializer; set one with JobEdge.serializer(...) or JobEdge.kryo(type)");
      }
      if (e.sourceOutput() < 0 || e.targetInput() < 0) {
        throw new InvalidJobGraphException(job + e + " has a negative output or input index");
      }
    }
    for (JobVertex v : graph.vertices()) {
      Map<Integer, Boolean> excluded = new HashMap<>();
      boolean anyCounted = v.inputs().isEmpty();
      for (JobEdge e : v.inputs()) {
        Boolean before = excluded.put(e.targetInput(), e.isExcludedFromWatermark());
        if (before != null && before != e.isExcludedFromWatermark()) {
          throw new InvalidJobGraphException(
              job
                  + "input "
                  + e.targetInput()
                  + " of "
                  + v
                  + " mixes edges excluded from the watermark with edges that are not; exclude all or none");
        }
        anyCounted |= !e.isExcludedFromWatermark();
      }
      if (!anyCounted) {
        throw new InvalidJobGraphException(
            job
                + "every input of "
                + v
                + " is excluded from the watermark; "
                + "its event time could never advance. Keep at least one input's watermark");
      }
    }
    return topologicalOrder(graph, job);
  }

  private static String whyNotChained(JobEdge e) {
    if (e.partitioning() != Partitioning.FORWARD) {
      return "it is " + e.partitioning();
    }
    if (e.source().parallelism() != e.target().parallelism()) {
      return "parallelism " + e.source().parallelism() + " vs " + e.target().parallelism();
    }
    if (!e.target().chainingAllowed()) {
      return "chaining is disabled on '" + e.target().name() + "'";
    }
    return "'" + e.target().name() + "' has several inputs";
  }

  private static List<JobVertex> topologicalOrder(JobGraph graph, String job) {
    int n = graph.vertices().size();
    int[] pending = new int[n];
    for (JobEdge e : graph.edges()) {
      pending[e.target().id()]++;
    }
    ArrayDeque<JobVertex> ready = new ArrayDeque<>();
    for (JobVertex v : graph.vertices()) {
      if (pending[v.id()] == 0) {
        ready.add(v);
      }
    }
    List<JobVertex> order = new ArrayList<>(n);
    while (!ready.isEmpty()) {
      JobVertex v = ready.poll();
      order.add(v);
      for (JobEdge e : v.outputs()) {
        if (--pending[e.target().id()] == 0) {
          ready.add(e.target());
        }
      }
    }
    if (order.size() < n) {
      List<String> inCycle = new ArrayList<>();
      for (JobVertex v : graph.vertices()) {
        if (pending[v.id()] > 0) {
          inCycle.add("'" + v.name() + "'");
        }
      }
      throw new InvalidJobGraphException(
          job
              + "the graph has a cycle through "
              + String.join(", ", inCycle)
              + "; dataflow jobs must be acyclic, remove the edge that closes the loop");
    }
    return order;
  }
}
