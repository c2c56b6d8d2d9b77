package dev.weir.benchmarks.cluster;

import dev.weir.cluster.process.CoordinatorCommand;
import dev.weir.cluster.process.JavaProcess;
import dev.weir.cluster.process.ProcessOutput;
import dev.weir.cluster.process.WorkerCommand;
import dev.weir.cluster.transport.ClusterSecret;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * A coordinator and workers as separate JVMs on this machine's loopback, with this JVM's classpath
 * (so the benchmark's pipelines need no jars shipped); stopped by process when closed.
 */
public final class ClusterSetup implements AutoCloseable {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  private final List<Process> processes = new ArrayList<>();
  private final Path secret;
  private final String address;

  /** Starts {@code workers} workers of {@code slotsPerWorker} slots and a heap of {@code heap}. */
  public static ClusterSetup start(int workers, int slotsPerWorker, String heap) throws Exception {
    return new ClusterSetup(
        workers, slotsPerWorker, List.of("-Xms" + heap, "-Xmx" + heap, "-XX:+UseParallelGC"));
  }

  private ClusterSetup(int workers, int slotsPerWorker, List<String> workerJvm) throws Exception {
    Path dir = Files.createTempDirectory("weir-bench-cluster");
    secret = dir.resolve("cluster.secret");
    ClusterSecret.createFile(secret);
    try {
      ProcessOutput coordinator =
          start(
              List.of("-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"),
              CoordinatorCommand.class,
              "--port=0",
              "--secret-file=" + secret,
              "--work-dir=" + dir.resolve("coordinator"));
      String port =
          coordinator
              .await("coordinator listening on 127\\.0\\.0\\.1:(\\d+)", START_TIMEOUT)
              .group(1);
      address = "127.0.0.1:" + port;
      List<String> jvm = new ArrayList<>(workerJvm);
      jvm.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
      for (int i = 1; i <= workers; i++) {
        start(
                jvm,
                WorkerCommand.class,
                "--coordinator=" + address,
                "--slots=" + slotsPerWorker,
                "--secret-file=" + secret,
                "--work-dir=" + dir.resolve("worker-" + i))
            .await("registered with the coordinator", START_TIMEOUT);
      }
    } catch (Exception e) {
      close();
      throw e;
    }
  }

  private ProcessOutput start(List<String> jvm, Class<?> main, String... args) throws IOException {
    Process p = JavaProcess.start(jvm, main, args);
    processes.add(p);
    return new ProcessOutput(p, line -> System.out.println("  [cluster] " + line));
  }

  /** Options of a pipeline on WeirRunner submitted to this cluster. */
  public PipelineOptions options(int parallelism) {
    return PipelineOptionsFactory.fromArgs(
            "--runner=WeirRunner",
            "--parallelism=" + parallelism,
            "--coordinator=" + address,
            "--secretFile=" + secret)
        .create();
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : processes) {
      p.destroyForcibly();
    }
    for (Process p : processes) {
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
