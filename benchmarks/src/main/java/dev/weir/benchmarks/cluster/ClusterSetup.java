package dev.weir.benchmarks.cluster;

import dev.weir.cluster.process.LoopbackCluster;
import dev.weir.cluster.transport.ClusterSecret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * The benchmarks' cluster: a coordinator and workers as separate JVMs on this machine's loopback,
 * with this JVM's classpath (so the benchmark's pipelines need no jars shipped); stopped by process
 * when closed.
 */
public final class ClusterSetup implements AutoCloseable {

  private final LoopbackCluster cluster;
  private final Path secret;

  private ClusterSetup(LoopbackCluster cluster, Path secret) {
    this.cluster = cluster;
    this.secret = secret;
  }

  /** Starts {@code workers} workers of {@code slotsPerWorker} slots and a heap of {@code heap}. */
  public static ClusterSetup start(int workers, int slotsPerWorker, String heap) throws Exception {
    Path dir = Files.createTempDirectory("weir-bench-cluster");
    Path secret = dir.resolve("cluster.secret");
    ClusterSecret.createFile(secret);
    LoopbackCluster cluster =
        LoopbackCluster.start(
            new LoopbackCluster.Settings(
                workers,
                slotsPerWorker,
                secret,
                dir,
                List.of(
                    "-Xms" + heap,
                    "-Xmx" + heap,
                    "-XX:+UseParallelGC",
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"),
                List.of(),
                name -> line -> System.out.println("  [" + name + "] " + line)));
    return new ClusterSetup(cluster, secret);
  }

  /** Options of a pipeline on WeirRunner submitted to this cluster. */
  public PipelineOptions options(int parallelism) {
    return PipelineOptionsFactory.fromArgs(
            "--runner=WeirRunner",
            "--parallelism=" + parallelism,
            "--coordinator=" + cluster.coordinatorAddress(),
            "--secretFile=" + secret)
        .create();
  }

  @Override
  public void close() throws InterruptedException {
    cluster.close();
  }
}
