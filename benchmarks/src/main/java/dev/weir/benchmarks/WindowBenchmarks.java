package dev.weir.benchmarks;

import dev.weir.benchmarks.beam.BeamWindowWorkloads;
import dev.weir.benchmarks.beam.BeamWorkloads;
import dev.weir.benchmarks.flink.FlinkWindowWorkloads;
import dev.weir.benchmarks.flink.FlinkWorkloads;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Issue 16's workloads where Beam on Weir trailed native Flink: S1 session count per key, S2
 * sliding-window max of counts, T1 a value and a timer per key over a million keys, G3 W2's keyed
 * sum through a GroupByKey (against Flink's keyed reduce of W2); each as a Beam pipeline on
 * WeirRunner (batch: bounded input) beside the native Flink 2.3.0 DataStream job, one warm-up each,
 * then rounds alternating; medians, ratios and checksums (which must match; exits non-zero when
 * they do not).
 */
@Command(
    name = "window-benchmarks",
    mixinStandardHelpOptions = true,
    description =
        "S1 sessions, S2 sliding windows, T1 timers per key, G3 GroupByKey + sum: WeirRunner vs"
            + " native Flink.")
public final class WindowBenchmarks implements Callable<Integer> {

  @Option(names = "--records", description = "Records per job (default: ${DEFAULT-VALUE}).")
  long records = 4_000_000;

  @Option(names = "--parallelism", description = "(default: ${DEFAULT-VALUE})")
  int parallelism = 2;

  @Option(names = "--rounds", description = "Measured rounds (default: ${DEFAULT-VALUE}).")
  int rounds = 2;

  @Option(names = "--only", split = ",", description = "S1, S2, T1, G3 (default: all).")
  List<String> only = List.of("S1", "S2", "T1", "G3");

  public static void main(String[] args) {
    System.exit(new CommandLine(new WindowBenchmarks()).execute(args));
  }

  private interface Run {
    RunResult run() throws Exception;
  }

  @Override
  public Integer call() throws Exception {
    PipelineOptions weir =
        PipelineOptionsFactory.fromArgs("--runner=WeirRunner", "--parallelism=" + parallelism)
            .create();
    boolean checksumsMatch = true;
    List<String> rows = new ArrayList<>();
    for (String workload : only) {
      Run onWeir;
      Run onFlink;
      switch (workload) {
        case "S1" -> {
          onWeir = () -> BeamWindowWorkloads.sessions("weir", weir, records);
          onFlink = () -> FlinkWindowWorkloads.sessions(records, parallelism);
        }
        case "S2" -> {
          onWeir = () -> BeamWindowWorkloads.sliding("weir", weir, records);
          onFlink = () -> FlinkWindowWorkloads.sliding(records, parallelism);
        }
        case "T1" -> {
          onWeir = () -> BeamWindowWorkloads.timers("weir", weir, records);
          onFlink = () -> FlinkWindowWorkloads.timers(records, parallelism);
        }
        case "G3" -> {
          onWeir = () -> BeamWorkloads.keyedSumGrouped("weir", weir, records);
          onFlink = () -> FlinkWorkloads.keyedSum(records, parallelism);
        }
        default ->
            throw new CommandLine.ParameterException(
                new CommandLine(this), "no workload " + workload + " (S1, S2, T1, G3)");
      }
      onWeir.run();
      onFlink.run();
      List<RunResult> weirRuns = new ArrayList<>();
      List<RunResult> flinkRuns = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        weirRuns.add(print(onWeir.run()));
        flinkRuns.add(print(onFlink.run()));
      }
      RunResult w = RunResult.median(weirRuns);
      RunResult f = RunResult.median(flinkRuns);
      boolean match =
          weirRuns.stream().allMatch(x -> x.checksum() == f.checksum())
              && flinkRuns.stream().allMatch(x -> x.checksum() == f.checksum());
      checksumsMatch &= match;
      rows.add(
          String.format(
              Locale.ROOT,
              "| %s | %,.0f | %,.0f | %.2fx | %s |",
              w.workload(),
              w.recordsPerSecond(),
              f.recordsPerSecond(),
              w.recordsPerSecond() / f.recordsPerSecond(),
              match ? w.checksum() + " both" : w.checksum() + " vs " + f.checksum() + " DIFFER"));
    }
    System.out.println();
    System.out.println("| workload | Weir rec/s | Flink rec/s | Weir/Flink | checksums |");
    System.out.println("|---|---|---|---|---|");
    rows.forEach(System.out::println);
    return checksumsMatch ? 0 : 1;
  }

  private static RunResult print(RunResult r) {
    System.out.printf(
        Locale.ROOT,
        "%s %s: %,d records in %.2f s, %,.0f records/s, checksum %d%n",
        r.system(),
        r.workload(),
        r.records(),
        r.elapsedNanos() / 1e9,
        r.recordsPerSecond(),
        r.checksum());
    return r;
  }
}
