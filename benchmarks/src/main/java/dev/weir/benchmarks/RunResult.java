package dev.weir.benchmarks;

/** One measured run of a workload: records read, checksum of the result, wall time of the job. */
public record RunResult(
    String system, String workload, long records, long checksum, long elapsedNanos) {

  public double recordsPerSecond() {
    return records / (elapsedNanos / 1e9);
  }

  /** The run with the median throughput of several rounds. */
  public static RunResult median(java.util.List<RunResult> runs) {
    java.util.List<RunResult> sorted = new java.util.ArrayList<>(runs);
    sorted.sort(java.util.Comparator.comparingDouble(RunResult::recordsPerSecond));
    return sorted.get(sorted.size() / 2);
  }
}
