package dev.weir.benchmarks;

/** One measured run of a workload: records read, checksum of the result, wall time of the job. */
public record RunResult(String system, String workload, long records, long checksum, long elapsedNanos) {

  public double recordsPerSecond() {
    return records / (elapsedNanos / 1e9);
  }
}
