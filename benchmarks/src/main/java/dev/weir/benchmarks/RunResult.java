package dev.weir.benchmarks;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** One measured run of a workload: records read, checksum of the result, wall time of the job. */
public record RunResult(
    String system, String workload, long records, long checksum, long elapsedNanos) {

  public double recordsPerSecond() {
    return records / (elapsedNanos / 1e9);
  }

  /** The run with the median throughput of several rounds. */
  public static RunResult median(List<RunResult> runs) {
    List<RunResult> sorted = new ArrayList<>(runs);
    sorted.sort(Comparator.comparingDouble(RunResult::recordsPerSecond));
    return sorted.get(sorted.size() / 2);
  }
}
