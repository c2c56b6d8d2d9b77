package dev.weir.benchmarks;

import dev.weir.benchmarks.beam.BeamWorkloads;
import dev.weir.benchmarks.weir.WeirWorkloads;
import dev.weir.engine.checkpoint.CheckpointConfig;
import dev.weir.engine.checkpoint.CheckpointStats;
import dev.weir.engine.checkpoint.FaultInjector;
import dev.weir.engine.cluster.EngineConfig;
import dev.weir.engine.cluster.JobClient;
import dev.weir.engine.cluster.LocalCluster;
import dev.weir.engine.cluster.RestartStrategy;
import dev.weir.runner.WeirPipelineResult;
import dev.weir.state.KeyedStateBackendFactory;
import dev.weir.state.heap.HeapStateBackendFactory;
import dev.weir.state.rocksdb.RocksDbStateBackendFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What exactly-once costs: W2 keyed sum on Weir's engine without checkpoints and with a checkpoint
 * every second, on the heap and on RocksDB, rounds alternating in one JVM. Prints records/s, the
 * ratio with/without checkpoints per backend, heap vs RocksDB, checkpoint count, duration, size and
 * longest synchronous part, and the time to recover from a failure injected in the middle of a run.
 */
@Command(
    name = "checkpoint-benchmarks",
    mixinStandardHelpOptions = true,
    description =
        "W2 keyed sum with checkpoints every second vs none, heap vs RocksDB, and recovery time.")
public final class CheckpointBenchmarks implements Callable<Integer> {

  @Option(names = "--records", description = "Input records per job (default: ${DEFAULT-VALUE}).")
  long records = 40_000_000;

  @Option(
      names = "--parallelism",
      description = "Parallelism of every job (default: ${DEFAULT-VALUE}).")
  int parallelism = 2;

  @Option(
      names = "--rounds",
      description =
          "Measured rounds per configuration, after one warm-up (default: ${DEFAULT-VALUE}).")
  int rounds = 3;

  @Option(
      names = "--rocksdbRecords",
      description = "Input records per RocksDB job (default: a tenth of --records).")
  long rocksdbRecords = -1;

  @Option(
      names = "--beamRecords",
      description =
          "Input records per Beam W2 job (--streaming on WeirRunner; default: ${DEFAULT-VALUE}).")
  long beamRecords = 20_000_000;

  @Option(
      names = "--only",
      split = ",",
      description = "Parts to run, of heap, rocksdb, beam, recovery (default: all).")
  Set<String> only = Set.of("heap", "rocksdb", "beam", "recovery");

  public static void main(String[] args) {
    System.exit(new CommandLine(new CheckpointBenchmarks()).execute(args));
  }

  private record Setup(String name, KeyedStateBackendFactory backend, boolean checkpoints) {}

  @Override
  public Integer call() throws Exception {
    Path work = Files.createTempDirectory("weir-checkpoint-bench");
    long rocksRecords = rocksdbRecords > 0 ? rocksdbRecords : records / 10;
    System.out.printf(
        "Checkpoint benchmarks: W2 keyed sum, %,d records (RocksDB %,d), parallelism %d, %d rounds (+1 warm-up), %d cores, "
            + "max heap %d MiB%n",
        records,
        rocksRecords,
        parallelism,
        rounds,
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20);
    KeyedStateBackendFactory rocks = new RocksDbStateBackendFactory(work.resolve("rocksdb"));
    List<Setup> setups = new ArrayList<>();
    if (only.contains("heap")) {
      setups.add(new Setup("heap, no checkpoints", HeapStateBackendFactory.INSTANCE, false));
      setups.add(new Setup("heap, checkpoint every 1 s", HeapStateBackendFactory.INSTANCE, true));
    }
    if (only.contains("rocksdb")) {
      setups.add(new Setup("rocksdb, no checkpoints", rocks, false));
      setups.add(new Setup("rocksdb, checkpoint every 1 s", rocks, true));
    }
    Map<String, List<Double>> rates = new ConcurrentHashMap<>();
    Map<String, CheckpointStats> lastStats = new ConcurrentHashMap<>();
    for (int round = -1; round < rounds; round++) {
      // Every other round runs the setups in reverse order, so a drift of the machine within a
      // round does not always favour the same side of a pair.
      List<Setup> order = new ArrayList<>(setups);
      if (round % 2 == 0) {
        Collections.reverse(order);
      }
      for (Setup s : order) {
        long n = s.backend() == rocks ? rocksRecords : records;
        EngineConfig config = EngineConfig.DEFAULT.withStateBackend(s.backend());
        if (s.checkpoints()) {
          config =
              config.withCheckpoints(
                  CheckpointConfig.every(Duration.ofSeconds(1), work.resolve("checkpoints"))
                      .withRetained(1));
        }
        System.gc();
        AtomicStats stats = new AtomicStats();
        RunResult r;
        try (LocalCluster cluster = new LocalCluster(config)) {
          r = WeirWorkloads.keyedSum(cluster, n, parallelism, client -> stats.client = client);
        }
        if (round >= 0) {
          rates.computeIfAbsent(s.name(), k -> new ArrayList<>()).add(r.recordsPerSecond());
          if (stats.client != null && stats.client.checkpointStats() != null) {
            lastStats.put(s.name(), stats.client.checkpointStats());
          }
        }
      }
    }
    for (Setup s : setups) {
      CheckpointStats cs = lastStats.get(s.name());
      System.out.printf(
          "%-30s %,12.0f rec/s   rounds %s%s%n",
          s.name(),
          median(rates.get(s.name())),
          rates.get(s.name()),
          cs == null ? "" : "   " + describe(cs));
    }
    for (String backend : List.of("heap", "rocksdb")) {
      if (only.contains(backend)) {
        List<Double> with = rates.get(backend + ", checkpoint every 1 s");
        List<Double> without = rates.get(backend + ", no checkpoints");
        // Each round runs both back to back, so its ratio sees the same machine; the median of
        // the rounds' ratios is less exposed to drift between rounds than a ratio of medians.
        List<Double> paired = new ArrayList<>();
        for (int i = 0; i < with.size(); i++) {
          paired.add(with.get(i) / without.get(i));
        }
        System.out.printf(
            "ratio with/without checkpoints, %s: %.3f (median of the rounds' ratios %s; ratio of medians %.3f)%n",
            backend,
            median(paired),
            paired.stream().map(r -> String.format("%.3f", r)).toList(),
            median(with) / median(without));
      }
    }
    if (only.contains("heap") && only.contains("rocksdb")) {
      System.out.printf(
          "ratio rocksdb/heap (no checkpoints): %.3f%n",
          median(rates.get("rocksdb, no checkpoints")) / median(rates.get("heap, no checkpoints")));
    }
    if (only.contains("beam")) {
      beamStreaming(work);
    }
    if (only.contains("recovery")) {
      recovery(work);
    }
    return 0;
  }

  /**
   * The Beam W2 pipeline on WeirRunner with --streaming, with a checkpoint every second vs none.
   */
  private void beamStreaming(Path work) {
    String[] base = {"--runner=WeirRunner", "--parallelism=" + parallelism, "--streaming=true"};
    String[] checkpointed = {
      "--runner=WeirRunner",
      "--parallelism=" + parallelism,
      "--streaming=true",
      "--checkpointingInterval=1000",
      "--numRetainedCheckpoints=1",
      "--checkpointDir=" + work.resolve("beam-checkpoints")
    };
    List<Double> without = new ArrayList<>();
    List<Double> with = new ArrayList<>();
    AtomicStats beamStats = new AtomicStats();
    for (int round = -1; round < rounds; round++) {
      System.gc();
      RunResult a =
          BeamWorkloads.keyedSum(
              "weir", PipelineOptionsFactory.fromArgs(base).create(), beamRecords);
      System.gc();
      RunResult b =
          BeamWorkloads.keyedSum(
              "weir",
              PipelineOptionsFactory.fromArgs(checkpointed).create(),
              beamRecords,
              result -> beamStats.stats = ((WeirPipelineResult) result).checkpointStats());
      if (a.checksum() != b.checksum()) {
        throw new IllegalStateException(
            "Beam W2 with checkpoints summed differently: " + a.checksum() + " vs " + b.checksum());
      }
      if (round >= 0) {
        without.add(a.recordsPerSecond());
        with.add(b.recordsPerSecond());
      }
    }
    System.out.printf(
        "Beam W2 --streaming on WeirRunner, %,d records: no checkpoints %,12.0f rec/s %s, checkpoint every 1 s %,12.0f rec/s %s, ratio %.3f%n",
        beamRecords, median(without), without, median(with), with, median(with) / median(without));
    if (beamStats.stats != null) {
      System.out.printf("Beam W2 with checkpoints (last round): %s%n", describe(beamStats.stats));
    }
  }

  private static String describe(CheckpointStats cs) {
    return String.format(
        "checkpoints %d, last %d ms, largest %,d bytes, longest sync part %d ms, longest async part %d ms",
        cs.completed(),
        cs.lastDurationMillis(),
        cs.maxSizeBytes(),
        cs.maxSyncMillis(),
        cs.maxAsyncMillis());
  }

  private static final class AtomicStats {
    volatile JobClient client;
    volatile CheckpointStats stats;
  }

  /**
   * Kills a task in the middle of a checkpointed run; prints how long until every task runs again.
   */
  private void recovery(Path work) throws Exception {
    Map<String, Consumer<Throwable>> running = new ConcurrentHashMap<>();
    AtomicLong restartedAt = new AtomicLong();
    AtomicLong killedAt = new AtomicLong();
    FaultInjector faults =
        new FaultInjector() {
          @Override
          public void taskRunning(String task, Consumer<Throwable> fail) {
            running.put(task, fail);
            if (killedAt.get() != 0) {
              restartedAt.set(System.nanoTime());
            }
          }
        };
    EngineConfig config =
        EngineConfig.DEFAULT
            .withCheckpoints(
                CheckpointConfig.every(Duration.ofSeconds(1), work.resolve("recovery"))
                    .withRetained(1))
            .withRestartStrategy(RestartStrategy.fixedDelay(3, Duration.ZERO))
            .withFaults(faults);
    AtomicStats stats = new AtomicStats();
    Thread killer =
        new Thread(
            () -> {
              try {
                Thread.sleep(2500);
                killedAt.set(System.nanoTime());
                running
                    .values()
                    .iterator()
                    .next()
                    .accept(new IllegalStateException("benchmark: injected failure"));
              } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
              }
            });
    RunResult r;
    try (LocalCluster cluster = new LocalCluster(config)) {
      killer.start();
      r = WeirWorkloads.keyedSum(cluster, records, parallelism, client -> stats.client = client);
      killer.join();
    }
    CheckpointStats cs = stats.client.checkpointStats();
    System.out.printf(
        "recovery: failure injected 2.5 s into a heap run with checkpoints every 1 s; tasks running again after %.1f ms "
            + "(restarts %d); run %,.0f rec/s overall, %d checkpoints%n",
        (restartedAt.get() - killedAt.get()) / 1e6,
        stats.client.restarts(),
        r.recordsPerSecond(),
        cs.completed());
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get(sorted.size() / 2);
  }
}
