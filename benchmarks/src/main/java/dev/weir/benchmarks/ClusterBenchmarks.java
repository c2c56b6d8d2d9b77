package dev.weir.benchmarks;

import dev.weir.benchmarks.beam.BeamWorkloads;
import dev.weir.benchmarks.beam.LatencyWorkload;
import dev.weir.benchmarks.cluster.ClusterSetup;
import dev.weir.benchmarks.cluster.ExchangeThroughput;
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
 * What running on a cluster costs: Beam's W1 and W2 on WeirRunner against a coordinator and two
 * worker JVMs of one slot each over loopback, beside embedded WeirRunner at parallelism 2 and
 * native Flink at parallelism 2, rounds alternating in one invocation; W3 window latency on the
 * cluster; and the raw throughput of one remote channel beside a plain Netty transfer.
 */
@Command(
    name = "cluster-benchmarks",
    mixinStandardHelpOptions = true,
    description =
        "W1/W2 on a 2-worker loopback cluster vs embedded vs native Flink; W3 latency on the"
            + " cluster; one remote channel's MB/s vs plain Netty.")
public final class ClusterBenchmarks implements Callable<Integer> {

  @Option(names = "--records", description = "W1 records (default: ${DEFAULT-VALUE}).")
  long records = 20_000_000;

  @Option(names = "--w2Records", description = "W2 records (default: ${DEFAULT-VALUE}).")
  long w2Records = 20_000_000;

  @Option(
      names = "--w2gRecords",
      description =
          "Records of W2 via GroupByKey, where every record crosses the exchange (default:"
              + " ${DEFAULT-VALUE}).")
  long w2gRecords = 20_000_000;

  @Option(
      names = "--rounds",
      description = "Measured rounds, after one warm-up (default: ${DEFAULT-VALUE}).")
  int rounds = 3;

  @Option(names = "--latencySeconds", description = "How long W3 runs (default: ${DEFAULT-VALUE}).")
  int latencySeconds = 30;

  @Option(names = "--rate", description = "W3 records per second (default: ${DEFAULT-VALUE}).")
  long rate = 100_000;

  @Option(
      names = "--exchangeMegabytes",
      description = "Bytes per exchange run, in MB (default: ${DEFAULT-VALUE}).")
  long exchangeMegabytes = 4_000;

  @Option(
      names = "--workerHeap",
      description = "Heap of each worker JVM (default: ${DEFAULT-VALUE}).")
  String workerHeap = "2g";

  @Option(
      names = "--only",
      split = ",",
      description = "Parts to run, of W1, W2, W2G, W3, exchange (default: all).")
  List<String> only = List.of("W1", "W2", "W2G", "W3", "exchange");

  private static final int PARALLELISM = 2;

  public static void main(String[] args) {
    System.exit(new CommandLine(new ClusterBenchmarks()).execute(args));
  }

  @FunctionalInterface
  interface Run {
    RunResult run() throws Exception;
  }

  @Override
  public Integer call() throws Exception {
    System.out.printf(
        "Cluster benchmarks: 2 worker JVMs x 1 slot on loopback (-Xmx%s each) vs embedded"
            + " parallelism %d vs native Flink parallelism %d; W1 %,d records, W2 %,d records, %d"
            + " rounds (+1 warm-up), %d cores%n",
        workerHeap,
        PARALLELISM,
        PARALLELISM,
        records,
        w2Records,
        rounds,
        Runtime.getRuntime().availableProcessors());
    boolean ok = true;
    if (only.contains("exchange")) {
      long bytes = exchangeMegabytes * 1_000_000;
      ExchangeThroughput.remoteChannel(bytes / 4); // warm-up
      ExchangeThroughput.plainNetty(bytes / 4);
      List<Double> remote = new ArrayList<>();
      List<Double> netty = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        remote.add(ExchangeThroughput.remoteChannel(bytes));
        netty.add(ExchangeThroughput.plainNetty(bytes));
      }
      double rm = median(remote);
      double nm = median(netty);
      System.out.printf(
          "exchange      one remote channel %,8.0f MB/s   plain Netty %,8.0f MB/s   ratio %.2f"
              + "   rounds %s / %s%n",
          rm, nm, rm / nm, format(remote), format(netty));
    }
    if (only.contains("W1") || only.contains("W2") || only.contains("W2G") || only.contains("W3")) {
      try (ClusterSetup cluster = ClusterSetup.start(2, 1, workerHeap)) {
        if (only.contains("W1")) {
          ok &=
              compare(
                  "W1 grep",
                  () -> BeamWorkloads.grep("weir-cluster", cluster.options(PARALLELISM), records),
                  () -> BeamWorkloads.grep("weir", embedded(), records),
                  () -> FlinkWorkloads.grep(records, PARALLELISM));
        }
        if (only.contains("W2")) {
          ok &=
              compare(
                  "W2 keyed sum",
                  () ->
                      BeamWorkloads.keyedSum(
                          "weir-cluster", cluster.options(PARALLELISM), w2Records),
                  () -> BeamWorkloads.keyedSum("weir", embedded(), w2Records),
                  () -> FlinkWorkloads.keyedSum(w2Records, PARALLELISM));
        }
        if (only.contains("W2G")) {
          ok &=
              compare(
                  "W2 GBK",
                  () ->
                      BeamWorkloads.keyedSumGrouped(
                          "weir-cluster", cluster.options(PARALLELISM), w2gRecords),
                  () -> BeamWorkloads.keyedSumGrouped("weir", embedded(), w2gRecords),
                  () -> FlinkWorkloads.keyedSum(w2gRecords, PARALLELISM));
        }
        if (only.contains("W3")) {
          LatencyWorkload.Result c =
              LatencyWorkload.run(cluster.options(PARALLELISM), rate, latencySeconds);
          LatencyWorkload.Result e = LatencyWorkload.run(embedded(), rate, latencySeconds);
          System.out.printf(
              "W3 window latency, cluster:  %,d window results, p50 %.0f ms, p99 %.0f ms, max %.0f"
                  + " ms, %,d records/s delivered%n",
              c.results(), c.p50Millis(), c.p99Millis(), c.maxMillis(), c.recordsPerSecond());
          System.out.printf(
              "W3 window latency, embedded: %,d window results, p50 %.0f ms, p99 %.0f ms, max %.0f"
                  + " ms, %,d records/s delivered (1 s windows, 1,000 keys, %,d records/s offered)%n",
              e.results(), e.p50Millis(), e.p99Millis(), e.maxMillis(), e.recordsPerSecond(), rate);
        }
      }
    }
    return ok ? 0 : 1;
  }

  private static PipelineOptions embedded() {
    return PipelineOptionsFactory.fromArgs("--runner=WeirRunner", "--parallelism=" + PARALLELISM)
        .create();
  }

  /** One warm-up of each, then {@code rounds} rounds of the three in turn. */
  private boolean compare(String workload, Run cluster, Run embedded, Run flink) throws Exception {
    cluster.run();
    embedded.run();
    flink.run();
    List<RunResult> c = new ArrayList<>();
    List<RunResult> e = new ArrayList<>();
    List<RunResult> f = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      System.gc();
      c.add(cluster.run());
      System.gc();
      e.add(embedded.run());
      System.gc();
      f.add(flink.run());
    }
    RunResult cm = RunResult.median(c);
    RunResult em = RunResult.median(e);
    RunResult fm = RunResult.median(f);
    long checksum = em.checksum();
    boolean agree =
        c.stream().allMatch(x -> x.checksum() == checksum)
            && e.stream().allMatch(x -> x.checksum() == checksum)
            && f.stream().allMatch(x -> x.checksum() == checksum);
    System.out.printf(
        "%-13s cluster %,12.0f rec/s   embedded %,12.0f rec/s   Flink native %,12.0f rec/s%n",
        workload, cm.recordsPerSecond(), em.recordsPerSecond(), fm.recordsPerSecond());
    System.out.printf(
        "%-13s cluster/embedded %.2f   cluster/Flink %.2f   checksums %s (%d)%n",
        "",
        cm.recordsPerSecond() / em.recordsPerSecond(),
        cm.recordsPerSecond() / fm.recordsPerSecond(),
        agree ? "match" : "MISMATCH",
        checksum);
    return agree;
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get(sorted.size() / 2);
  }

  private static String format(List<Double> values) {
    return values.stream().map(v -> String.format("%.0f", v)).toList().toString();
  }
}
