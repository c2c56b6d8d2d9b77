package dev.weir.engine.cluster;

import dev.weir.engine.graph.JobVertex;

/**
 * Which tasks of a job run in this process. A task is a subtask of an operator chain, named by the
 * chain's head vertex and the subtask index; the vertices chained behind a head run with it.
 */
@FunctionalInterface
public interface TaskPlacement {

  /** Every task runs here: embedded mode. */
  TaskPlacement ALL_LOCAL = (head, subtask) -> true;

  /** Whether subtask {@code subtask} of the chain headed by {@code head} runs in this process. */
  boolean isLocal(JobVertex head, int subtask);
}
