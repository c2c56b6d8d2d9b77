package dev.weir.engine.graph;

/** How the records of an edge are distributed over the subtasks of the consuming vertex. */
public enum Partitioning {
  /** Subtask i sends to subtask i; needs equal parallelism; chained when nothing prevents it. */
  FORWARD,
  /** By the key group of the record's key; every record of a key reaches the same subtask. */
  HASH,
  /** Round robin over the consuming subtasks. */
  REBALANCE,
  /** Every record to every consuming subtask. */
  BROADCAST
}
