package dev.weir.benchmarks.batch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Issue 16's batch GroupByKey over more data than {@code -Xmx}: {@link BatchGroupingJob} on
 * WeirRunner, on the DirectRunner and as a native Flink BATCH job, each in a JVM of its own with
 * the same small heap and the same input (several times that heap), one after the other; prints
 * each one's throughput or how it failed, the checksums (which must agree among those that
 * finished) and Weir's ratios. Every child JVM is stopped by its process id when it overstays.
 */
@Command(
    name = "batch-grouping-benchmarks",
    mixinStandardHelpOptions = true,
    description = "A batch GroupByKey of several times the heap: WeirRunner, DirectRunner, Flink.")
public final class BatchGroupingBenchmarks implements Callable<Integer> {

  private static final Pattern RESULT =
      Pattern.compile("RESULT checksum=(-?\\d+) groups=(\\d+) millis=(\\d+)");

  @Option(names = "--heapMb", description = "Heap of each job's JVM (default: ${DEFAULT-VALUE}).")
  int heapMb = 512;

  @Option(names = "--records", description = "Values (default: ${DEFAULT-VALUE}).")
  long records = 1_700_000;

  @Option(names = "--keys", description = "Keys (default: ${DEFAULT-VALUE}).")
  long keys = 10_000;

  @Option(names = "--payload", description = "Bytes per value (default: ${DEFAULT-VALUE}).")
  int payload = 1_000;

  @Option(names = "--parallelism", description = "(default: ${DEFAULT-VALUE})")
  int parallelism = 2;

  @Option(
      names = "--timeoutSeconds",
      description = "Longest a job may run before it is stopped (default: ${DEFAULT-VALUE}).")
  long timeoutSeconds = 300;

  @Option(
      names = "--rounds",
      description =
          "Runs per system, the median reported; one that fails ends its system's rounds"
              + " (default: ${DEFAULT-VALUE}).")
  int rounds = 1;

  @Option(names = "--only", split = ",", description = "weir, direct, flink (default: all).")
  List<String> only = List.of("weir", "direct", "flink");

  public static void main(String[] args) {
    System.exit(new CommandLine(new BatchGroupingBenchmarks()).execute(args));
  }

  /** How one system's job ended: a result, or why not. */
  private record Outcome(String system, Long checksum, long groups, long millis, String failure) {}

  @Override
  public Integer call() throws Exception {
    long inputBytes = records * payload;
    System.out.printf(
        Locale.ROOT,
        "Batch GroupByKey: %,d values of %,d bytes (%,d MB, %.1fx the %,d MB heap) over %,d keys,"
            + " parallelism %d%n",
        records,
        payload,
        inputBytes >> 20,
        (double) inputBytes / ((long) heapMb << 20),
        heapMb,
        keys,
        parallelism);
    Map<String, Outcome> outcomes = new LinkedHashMap<>();
    for (String system : only) {
      List<Outcome> runs = new ArrayList<>();
      Outcome o = null;
      for (int r = 0; r < rounds; r++) {
        Outcome run = run(system);
        if (run.failure() != null) {
          o = run;
          break;
        }
        runs.add(run);
      }
      if (o == null) {
        runs.sort(java.util.Comparator.comparingLong(Outcome::millis));
        o = runs.get(runs.size() / 2);
      }
      outcomes.put(system, o);
      System.out.println(
          o.failure() == null
              ? String.format(
                  Locale.ROOT,
                  "%s: %,.0f values/s (%.1f s), %,d groups, checksum %d",
                  system,
                  records / (o.millis() / 1e3),
                  o.millis() / 1e3,
                  o.groups(),
                  o.checksum())
              : system + ": " + o.failure());
    }
    Long reference = null;
    boolean agree = true;
    for (Outcome o : outcomes.values()) {
      if (o.checksum() != null) {
        agree &= reference == null || reference.equals(o.checksum());
        agree &= o.groups() == Math.min(keys, records);
        reference = reference == null ? o.checksum() : reference;
      }
    }
    System.out.println();
    System.out.println("| system | values/s | seconds | result |");
    System.out.println("|---|---|---|---|");
    for (Outcome o : outcomes.values()) {
      System.out.println(
          o.failure() == null
              ? String.format(
                  Locale.ROOT,
                  "| %s | %,.0f | %.1f | checksum %d |",
                  o.system(),
                  records / (o.millis() / 1e3),
                  o.millis() / 1e3,
                  o.checksum())
              : "| " + o.system() + " | – | – | " + o.failure() + " |");
    }
    Outcome weir = outcomes.get("weir");
    for (String peer : List.of("flink", "direct")) {
      Outcome other = outcomes.get(peer);
      if (weir != null && weir.failure() == null && other != null && other.failure() == null) {
        System.out.printf(
            Locale.ROOT, "Weir/%s: %.2fx%n", peer, (double) other.millis() / weir.millis());
      }
    }
    System.out.println(agree ? "checksums agree" : "CHECKSUMS DIFFER");
    return agree ? 0 : 1;
  }

  private Outcome run(String system) throws IOException, InterruptedException {
    Path log = Files.createTempFile("weir-batch-grouping-" + system + "-", ".log");
    try {
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.add("-Xmx" + heapMb + "m");
      command.add("-XX:+UseParallelGC");
      command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      command.add(BatchGroupingJob.class.getName());
      command.add(system);
      command.add(Long.toString(records));
      command.add(Long.toString(keys));
      command.add(Integer.toString(payload));
      command.add(Integer.toString(parallelism));
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      boolean ended;
      try {
        ended = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
      } finally {
        if (process.isAlive()) {
          process.destroyForcibly();
          process.waitFor(30, TimeUnit.SECONDS);
        }
      }
      String output = Files.readString(log, StandardCharsets.UTF_8);
      Matcher m = RESULT.matcher(output);
      if (ended && process.exitValue() == 0 && m.find()) {
        return new Outcome(
            system,
            Long.parseLong(m.group(1)),
            Long.parseLong(m.group(2)),
            Long.parseLong(m.group(3)),
            null);
      }
      String why =
          !ended
              ? "did not finish within " + timeoutSeconds + " s (stopped)"
              : output.contains("OutOfMemoryError")
                  ? "failed: OutOfMemoryError"
                  : "failed (exit " + process.exitValue() + "): " + lastLine(output);
      return new Outcome(system, null, 0, 0, why);
    } finally {
      Files.deleteIfExists(log);
    }
  }

  private static String lastLine(String output) {
    String[] lines = output.strip().split("\n");
    return lines.length == 0 ? "" : lines[lines.length - 1];
  }
}
