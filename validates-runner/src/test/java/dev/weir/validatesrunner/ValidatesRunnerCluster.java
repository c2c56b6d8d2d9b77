package dev.weir.validatesrunner;

import dev.weir.cluster.process.LoopbackCluster;
import dev.weir.cluster.transport.ClusterSecret;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;

/**
 * For the {@code cluster} execution ({@code -Dvr.mode=cluster}): before the suite runs, starts a
 * coordinator and two workers of two slots each as separate JVMs on loopback (this JVM's classpath,
 * so the tests' code is on theirs), and points every TestPipeline at it by adding {@code
 * --coordinator} and {@code --secretFile} to {@code beamTestPipelineOptions}. Stops them (by
 * process) when the suite ends, or when this JVM exits. Their output goes to {@code
 * vr.clusterDir}/*.log. In any other execution it does nothing.
 */
public final class ValidatesRunnerCluster implements TestExecutionListener {

  private static final int WORKERS = 2;
  private static final int SLOTS_PER_WORKER = 2;

  private LoopbackCluster cluster;
  private final List<BufferedWriter> logs = new ArrayList<>();

  @Override
  public void testPlanExecutionStarted(TestPlan testPlan) {
    if (!"cluster".equals(System.getProperty("vr.mode"))) {
      return;
    }
    Path dir = Path.of(System.getProperty("vr.clusterDir", "target/vr-cluster"));
    Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "vr-cluster-stop"));
    try {
      Files.createDirectories(dir);
      Path secret = dir.resolve("cluster.secret");
      Files.deleteIfExists(secret);
      ClusterSecret.createFile(secret);
      cluster =
          LoopbackCluster.start(
              new LoopbackCluster.Settings(
                  WORKERS,
                  SLOTS_PER_WORKER,
                  secret,
                  dir,
                  List.of(
                      "-Xmx768m",
                      "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                      "-Dorg.slf4j.simpleLogger.showDateTime=true",
                      "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS"),
                  List.of(),
                  name -> log(dir.resolve(name + ".log"))));
      String options = System.getProperty("beamTestPipelineOptions", "[]").trim();
      String added =
          "\"--coordinator=" + cluster.coordinatorAddress() + "\",\"--secretFile=" + secret + "\"";
      System.setProperty(
          "beamTestPipelineOptions",
          options.equals("[]")
              ? "[" + added + "]"
              : options.substring(0, options.length() - 1) + "," + added + "]");
    } catch (Exception e) {
      stop();
      throw new IllegalStateException("cannot start the cluster for the cluster execution", e);
    }
  }

  /** Appends a process's lines to {@code file}. */
  private Consumer<String> log(Path file) {
    BufferedWriter log;
    try {
      log = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    synchronized (logs) {
      logs.add(log);
    }
    return line -> {
      try {
        synchronized (log) {
          log.write(line);
          log.newLine();
          log.flush();
        }
      } catch (IOException ignored) {
        // the log is closed: the suite ended
      }
    };
  }

  @Override
  public void testPlanExecutionFinished(TestPlan testPlan) {
    stop();
  }

  private synchronized void stop() {
    if (cluster != null) {
      try {
        cluster.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      cluster = null;
    }
    synchronized (logs) {
      for (BufferedWriter log : logs) {
        try {
          synchronized (log) {
            log.close();
          }
        } catch (IOException ignored) {
          // nothing to keep
        }
      }
      logs.clear();
    }
  }
}
