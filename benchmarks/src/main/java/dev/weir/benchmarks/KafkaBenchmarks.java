package dev.weir.benchmarks;

import dev.weir.benchmarks.kafka.KafkaRuns;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Kafka to Kafka: a pass-through job on WeirRunner, on the DirectRunner and as native Flink 2.3.0
 * with its Kafka connector, each with and without exactly-once, against one local broker:
 * throughput over a preloaded topic and end-to-end latency at a fixed rate.
 */
@Command(
    name = "kafka-benchmarks",
    mixinStandardHelpOptions = true,
    description = "Kafka -> job -> Kafka: WeirRunner, DirectRunner and native Flink.")
public final class KafkaBenchmarks implements Callable<Integer> {

  @Option(
      names = "--records",
      description = "Records of the throughput runs (default: ${DEFAULT-VALUE}).")
  long records = 1_000_000;

  @Option(
      names = "--directRecords",
      description = "Records of the DirectRunner's throughput runs (default: ${DEFAULT-VALUE}).")
  long directRecords = 20_000;

  @Option(
      names = "--rate",
      description = "Records/s of the latency runs (default: ${DEFAULT-VALUE}).")
  int rate = 1_000;

  @Option(
      names = "--latencySeconds",
      description = "How long each latency run measures (default: ${DEFAULT-VALUE}).")
  int latencySeconds = 10;

  @Option(names = "--parallelism", description = "(default: ${DEFAULT-VALUE})")
  int parallelism = 2;

  @Option(names = "--partitions", description = "Of every topic (default: ${DEFAULT-VALUE}).")
  int partitions = 4;

  @Option(
      names = "--checkpointMillis",
      description = "Checkpoint interval with exactly-once (default: ${DEFAULT-VALUE}).")
  long checkpointMillis = 1_000;

  @Option(
      names = "--rounds",
      description = "Times every run is repeated, alternating systems (default: ${DEFAULT-VALUE}).")
  int rounds = 1;

  @Option(
      names = "--only",
      split = ",",
      description = "Systems to run: WEIR, DIRECT, FLINK (default: all).")
  List<String> only = List.of("WEIR", "DIRECT", "FLINK");

  public static void main(String[] args) {
    int code = 1;
    try {
      code = new CommandLine(new KafkaBenchmarks()).execute(args);
    } finally {
      System.exit(code); // also after an Error: the broker's threads would keep the JVM up
    }
  }

  @Override
  public Integer call() throws Exception {
    new KafkaRuns(
            new KafkaRuns.Settings(
                records,
                directRecords,
                rate,
                latencySeconds,
                parallelism,
                partitions,
                checkpointMillis,
                rounds,
                only))
        .run();
    return 0;
  }
}
