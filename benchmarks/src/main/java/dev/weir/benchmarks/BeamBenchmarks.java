package dev.weir.benchmarks;

import dev.weir.benchmarks.beam.BeamWorkloads;
import dev.weir.benchmarks.beam.LatencyWorkload;
import dev.weir.benchmarks.flink.FlinkWorkloads;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * W1 grep and W2 keyed sum as Beam pipelines on WeirRunner and on Beam's DirectRunner, next to the
 * same jobs on Apache Flink's DataStream API, all in one JVM; G1 and G2, a GroupByKey in fixed
 * windows and in sessions, on WeirRunner and DirectRunner; then W3, window latency on WeirRunner.
 * Prints records/s, ratios and checksums (which must match); exits non-zero when they do not.
 */
@Command(
    name = "beam-benchmarks",
    mixinStandardHelpOptions = true,
    description =
        "Beam W1/W2 on WeirRunner vs DirectRunner vs native Flink; G1/G2 windowed GroupByKey on WeirRunner vs "
            + "DirectRunner; W3 window latency on WeirRunner.")
public final class BeamBenchmarks implements Callable<Integer> {

  @Option(
      names = "--records",
      description = "Input records per W1 job (default: ${DEFAULT-VALUE}).")
  long records = 10_000_000;

  /** Fewer by default: the DirectRunner does W2 at about 0.1 M records/s. */
  @Option(
      names = "--w2Records",
      description = "Input records per W2 job; 0 = as --records (default: ${DEFAULT-VALUE}).")
  long w2Records = 3_000_000;

  @Option(names = "--parallelism", description = "Parallelism (default: ${DEFAULT-VALUE}).")
  int parallelism = 2;

  @Option(
      names = "--rounds",
      description = "Measured rounds per system, after one warm-up (default: ${DEFAULT-VALUE}).")
  int rounds = 2;

  /** The DirectRunner groups at about 0.3 M records/s. */
  @Option(
      names = "--gbkRecords",
      description =
          "Input records per G1/G2 (windowed GroupByKey) job (default: ${DEFAULT-VALUE}).")
  long gbkRecords = 2_000_000;

  @Option(names = "--only", description = "W1, W2, W3, G1 or G2.")
  String only;

  @Option(names = "--latencySeconds", description = "How long W3 runs (default: ${DEFAULT-VALUE}).")
  int latencySeconds = 30;

  @Option(names = "--rate", description = "W3 records per second (default: ${DEFAULT-VALUE}).")
  long rate = 100_000;

  public static void main(String[] args) {
    System.exit(new CommandLine(new BeamBenchmarks()).execute(args));
  }

  private PipelineOptions weir() {
    return PipelineOptionsFactory.fromArgs("--runner=WeirRunner", "--parallelism=" + parallelism)
        .create();
  }

  private PipelineOptions direct() {
    return PipelineOptionsFactory.fromArgs(
            "--runner=DirectRunner",
            "--targetParallelism=" + parallelism,
            "--enforceImmutability=false",
            "--enforceEncodability=false")
        .create();
  }

  @FunctionalInterface
  interface Run {
    RunResult run() throws Exception;
  }

  @Override
  public Integer call() throws Exception {
    long keyedRecords = w2Records > 0 ? w2Records : records;
    System.out.printf(
        "Beam benchmarks: W1 %,d records, W2 %,d records, parallelism %d, %d rounds (+1 warm-up), %d cores%n",
        records, keyedRecords, parallelism, rounds, Runtime.getRuntime().availableProcessors());
    boolean ok = true;
    if (only == null || only.equalsIgnoreCase("W1")) {
      ok &=
          compare(
              "W1 grep",
              () -> BeamWorkloads.grep("weir", weir(), records),
              () -> BeamWorkloads.grep("direct", direct(), records),
              () -> FlinkWorkloads.grep(records, parallelism));
    }
    if (only == null || only.equalsIgnoreCase("W2")) {
      ok &=
          compare(
              "W2 keyed sum",
              () -> BeamWorkloads.keyedSum("weir", weir(), keyedRecords),
              () -> BeamWorkloads.keyedSum("direct", direct(), keyedRecords),
              () -> FlinkWorkloads.keyedSum(keyedRecords, parallelism));
    }
    if (only == null || only.equalsIgnoreCase("G1")) {
      ok &=
          compare(
              "G1 window GBK",
              () -> BeamWorkloads.windowedGroupByKey("weir", weir(), gbkRecords, false),
              () -> BeamWorkloads.windowedGroupByKey("direct", direct(), gbkRecords, false),
              null);
    }
    if (only == null || only.equalsIgnoreCase("G2")) {
      ok &=
          compare(
              "G2 session GBK",
              () -> BeamWorkloads.windowedGroupByKey("weir", weir(), gbkRecords, true),
              () -> BeamWorkloads.windowedGroupByKey("direct", direct(), gbkRecords, true),
              null);
    }
    if (only == null || only.equalsIgnoreCase("W3")) {
      LatencyWorkload.Result r = LatencyWorkload.run(weir(), rate, latencySeconds);
      System.out.printf(
          "W3 window latency on WeirRunner: %,d window results, p50 %.1f ms, p99 %.1f ms, max %.1f ms "
              + "(1 s tumbling windows, 1,000 keys, %,d records/s offered, %,d delivered)%n",
          r.results(), r.p50Millis(), r.p99Millis(), r.maxMillis(), rate, r.recordsPerSecond());
    }
    return ok ? 0 : 1;
  }

  /**
   * Runs each system once to warm up, then {@code rounds} times; {@code flink} may be null (no
   * native counterpart).
   */
  private boolean compare(String workload, Run weir, Run direct, Run flink) throws Exception {
    weir.run();
    if (flink != null) {
      flink.run();
    }
    direct.run();
    List<RunResult> w = new ArrayList<>();
    List<RunResult> d = new ArrayList<>();
    List<RunResult> f = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      System.gc();
      w.add(weir.run());
      if (flink != null) {
        System.gc();
        f.add(flink.run());
      }
      System.gc();
      d.add(direct.run());
    }
    RunResult wm = RunResult.median(w);
    RunResult dm = RunResult.median(d);
    long checksum = dm.checksum();
    boolean agree =
        w.stream().allMatch(x -> x.checksum() == checksum)
            && d.stream().allMatch(x -> x.checksum() == checksum)
            && f.stream().allMatch(x -> x.checksum() == checksum);
    if (flink == null) {
      System.out.printf(
          "%-13s WeirRunner %,12.0f rec/s   DirectRunner %,10.0f rec/s   (no native Flink job)%n",
          workload, wm.recordsPerSecond(), dm.recordsPerSecond());
      System.out.printf(
          "%-13s Weir/Direct %.1fx   checksums %s (%d)%n",
          "",
          wm.recordsPerSecond() / dm.recordsPerSecond(),
          agree ? "match" : "MISMATCH",
          checksum);
      return agree;
    }
    RunResult fm = RunResult.median(f);
    System.out.printf(
        "%-13s WeirRunner %,12.0f rec/s   DirectRunner %,10.0f rec/s   Flink native %,12.0f rec/s%n",
        workload, wm.recordsPerSecond(), dm.recordsPerSecond(), fm.recordsPerSecond());
    System.out.printf(
        "%-13s Weir/Direct %.1fx   Weir/Flink %.2fx   checksums %s (%d)%n",
        "",
        wm.recordsPerSecond() / dm.recordsPerSecond(),
        wm.recordsPerSecond() / fm.recordsPerSecond(),
        agree ? "match" : "MISMATCH",
        checksum);
    return agree;
  }
}
