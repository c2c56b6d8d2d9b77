package dev.weir.benchmarks;

import dev.weir.benchmarks.flink.FlinkWorkloads;
import dev.weir.benchmarks.weir.WeirWorkloads;
import dev.weir.engine.cluster.LocalCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * W1 grep and W2 keyed sum on Weir's engine and on Apache Flink, alternating in one JVM, so both
 * see the same machine at the same time. Prints records/s per system (median of the rounds), the
 * ratio Weir/Flink, and the checksums, which must match; exits non-zero when they do not.
 */
@Command(
    name = "engine-benchmarks",
    mixinStandardHelpOptions = true,
    description =
        "W1 grep and W2 keyed sum: Weir engine vs Apache Flink DataStream, same JVM, same run.")
public final class EngineBenchmarks implements Callable<Integer> {

  @Option(names = "--records", description = "Input records per job (default: ${DEFAULT-VALUE}).")
  long records = 10_000_000;

  @Option(
      names = "--parallelism",
      description = "Parallelism of every job (default: ${DEFAULT-VALUE}).")
  int parallelism = 2;

  @Option(
      names = "--rounds",
      description =
          "Measured rounds per system and workload, after one warm-up (default: ${DEFAULT-VALUE}).")
  int rounds = 3;

  @Option(names = "--only", description = "Run only this workload: W1 or W2.")
  String only;

  public static void main(String[] args) {
    System.exit(new CommandLine(new EngineBenchmarks()).execute(args));
  }

  @FunctionalInterface
  interface Run {
    RunResult run() throws Exception;
  }

  @Override
  public Integer call() throws Exception {
    if (records < 1 || parallelism < 1 || rounds < 1) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "--records, --parallelism and --rounds must be positive");
    }
    System.out.printf(
        "Engine benchmarks: %,d records, parallelism %d, %d rounds (+1 warm-up), %d cores, max heap %d MiB%n",
        records,
        parallelism,
        rounds,
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20);
    boolean ok = true;
    try (LocalCluster cluster = new LocalCluster()) {
      if (only == null || only.equalsIgnoreCase("W1")) {
        ok &=
            compare(
                "W1 grep",
                Workloads.expectedGrepCount(records),
                () -> WeirWorkloads.grep(cluster, records, parallelism),
                () -> FlinkWorkloads.grep(records, parallelism));
      }
      if (only == null || only.equalsIgnoreCase("W2")) {
        ok &=
            compare(
                "W2 keyed sum",
                null,
                () -> WeirWorkloads.keyedSum(cluster, records, parallelism),
                () -> FlinkWorkloads.keyedSum(records, parallelism));
      }
    }
    return ok ? 0 : 1;
  }

  private boolean compare(String workload, Long expectedChecksum, Run weir, Run flink)
      throws Exception {
    // Warm-up: class loading and the JIT of both systems.
    weir.run();
    flink.run();
    List<RunResult> weirRuns = new ArrayList<>();
    List<RunResult> flinkRuns = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      System.gc();
      weirRuns.add(weir.run());
      System.gc();
      flinkRuns.add(flink.run());
    }
    RunResult w = RunResult.median(weirRuns);
    RunResult f = RunResult.median(flinkRuns);
    boolean checksumsAgree =
        weirRuns.stream().allMatch(x -> x.checksum() == f.checksum())
            && flinkRuns.stream().allMatch(x -> x.checksum() == f.checksum())
            && (expectedChecksum == null || expectedChecksum == f.checksum());
    System.out.printf(
        "%-13s weir %,12.0f rec/s   flink %,12.0f rec/s   ratio weir/flink %.2fx   checksum weir %d flink %d %s%n",
        workload,
        w.recordsPerSecond(),
        f.recordsPerSecond(),
        w.recordsPerSecond() / f.recordsPerSecond(),
        w.checksum(),
        f.checksum(),
        checksumsAgree ? "(match)" : "(MISMATCH)");
    System.out.printf("%-13s rounds weir %s | flink %s%n", "", rates(weirRuns), rates(flinkRuns));
    return checksumsAgree;
  }

  private static String rates(List<RunResult> runs) {
    StringBuilder sb = new StringBuilder();
    for (RunResult r : runs) {
      sb.append(String.format("%,.0f ", r.recordsPerSecond()));
    }
    return sb.toString().trim();
  }
}
