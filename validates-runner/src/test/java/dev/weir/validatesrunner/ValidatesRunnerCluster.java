package dev.weir.validatesrunner;

import dev.weir.cluster.process.CoordinatorCommand;
import dev.weir.cluster.process.JavaProcess;
import dev.weir.cluster.process.ProcessOutput;
import dev.weir.cluster.process.WorkerCommand;
import dev.weir.cluster.transport.ClusterSecret;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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

  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final int WORKERS = 2;
  private static final int SLOTS_PER_WORKER = 2;

  private final List<Process> processes = new ArrayList<>();
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
      ProcessOutput coordinator =
          start(
              dir,
              "coordinator",
              CoordinatorCommand.class,
              "--port=0",
              "--secret-file=" + secret,
              "--work-dir=" + dir.resolve("coordinator"));
      String port =
          coordinator
              .await("coordinator listening on 127\\.0\\.0\\.1:(\\d+)", START_TIMEOUT)
              .group(1);
      for (int i = 1; i <= WORKERS; i++) {
        start(
                dir,
                "worker-" + i,
                WorkerCommand.class,
                "--coordinator=127.0.0.1:" + port,
                "--slots=" + SLOTS_PER_WORKER,
                "--secret-file=" + secret,
                "--work-dir=" + dir.resolve("worker-" + i))
            .await("registered with the coordinator", START_TIMEOUT);
      }
      String options = System.getProperty("beamTestPipelineOptions", "[]").trim();
      String added = "\"--coordinator=127.0.0.1:" + port + "\",\"--secretFile=" + secret + "\"";
      System.setProperty(
          "beamTestPipelineOptions",
          options.equals("[]")
              ? "[" + added + "]"
              : options.substring(0, options.length() - 1) + "," + added + "]");
    } catch (IOException e) {
      stop();
      throw new UncheckedIOException("cannot start the cluster for the cluster execution", e);
    } catch (Exception e) {
      stop();
      throw new IllegalStateException("cannot start the cluster for the cluster execution", e);
    }
  }

  private ProcessOutput start(Path dir, String name, Class<?> main, String... args)
      throws IOException {
    Process p =
        JavaProcess.start(
            List.of(
                "-Xmx768m",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS"),
            main,
            args);
    synchronized (this) {
      processes.add(p);
    }
    BufferedWriter log =
        Files.newBufferedWriter(dir.resolve(name + ".log"), StandardCharsets.UTF_8);
    logs.add(log);
    return new ProcessOutput(
        p,
        line -> {
          try {
            synchronized (log) {
              log.write(line);
              log.newLine();
              log.flush();
            }
          } catch (IOException ignored) {
            // the log is closed: the suite ended
          }
        });
  }

  @Override
  public void testPlanExecutionFinished(TestPlan testPlan) {
    stop();
  }

  private synchronized void stop() {
    for (Process p : processes) {
      p.destroyForcibly();
    }
    for (Process p : processes) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    processes.clear();
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
