package dev.weir.engine.metrics;

import java.io.Serializable;

/**
 * Where a job's user code counts its own metrics (Beam's counters, distributions, gauges) in one
 * process, and what the engine carries from there to the job's client. The engine does not read the
 * reports: it keeps the newest one per process and attempt and hands them over; the client decodes
 * and merges them (attempted: everything counted, committed: what operators that closed counted).
 *
 * <p>Set on the {@link dev.weir.engine.graph.JobGraph}; the operators of the graph refer to the
 * same object, also in a graph shipped to another process, where the decoded graph holds one
 * instance that its decoded operators share.
 */
public interface UserMetrics extends Serializable {

  /**
   * Everything the job's operators in this process have counted so far, encoded for the job's
   * client. Any thread, while operators count.
   */
  byte[] report();
}
