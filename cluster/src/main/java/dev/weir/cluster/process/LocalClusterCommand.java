package dev.weir.cluster.process;

import dev.weir.cluster.transport.ClusterSecret;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code weir cluster}: a coordinator and {@code --workers} workers on this machine, each in its
 * own JVM, for trying cluster mode out. Their output comes here, each line prefixed with its
 * process. A worker may be killed to see the cluster notice; when the coordinator ends, or this
 * command is stopped (SIGTERM, SIGINT), every process it started is stopped.
 */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    description = "Runs a coordinator and workers on this machine, each in its own JVM.")
public final class LocalClusterCommand implements Callable<Integer> {

  @Option(names = "--workers", description = "Workers to start. Default: ${DEFAULT-VALUE}.")
  int workers = 2;

  @Option(
      names = "--slots",
      description = "Slots per worker. Default: the cores divided among the workers (at least 1).")
  Integer slots;

  @Option(names = "--port", description = "Coordinator's port (0: any). Default: ${DEFAULT-VALUE}.")
  int port = 6123;

  @Mixin TlsOptions tlsOptions = new TlsOptions();

  @Option(
      names = "--tls",
      description =
          "TLS on every connection: with --tls-keystore, or with cluster.p12 beside the secret file"
              + " (created with a random password, by the JDK's keytool, if it does not exist).")
  boolean tls;

  @Option(
      names = "--secret-file",
      description =
          "The cluster's secret; created (random, mode 600) if it does not exist. Default:"
              + " conf/cluster.secret in the distribution, else in the working directory.")
  Path secretFile;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private static final String LISTENING = "coordinator listening on \\S+:(\\d+)";
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

  private final List<Process> started = new ArrayList<>();
  private final CountDownLatch stop = new CountDownLatch(1);
  private final CountDownLatch closed = new CountDownLatch(1);

  public static void main(String[] args) {
    ProcessCommands.main(new LocalClusterCommand(), args);
  }

  @Override
  public Integer call() throws Exception {
    if (workers < 1) {
      throw new IllegalArgumentException("--workers must be at least 1, got " + workers);
    }
    int perWorker =
        slots != null ? slots : Math.max(1, Runtime.getRuntime().availableProcessors() / workers);
    if (perWorker < 1) {
      throw new IllegalArgumentException("--slots must be at least 1, got " + perWorker);
    }
    PrintWriter out = spec.commandLine().getOut();
    Path secret = secretFile != null ? secretFile : defaultSecretFile();
    if (!Files.exists(secret)) {
      ClusterSecret.createFile(secret);
      out.println("created a secret for this cluster in " + secret);
    } else {
      ClusterSecret.fromFile(secret); // fails here, with the fix, if others can read it
    }
    if (tls && tlsOptions.keystore == null) {
      tlsOptions.keystore = secret.resolveSibling("cluster.p12");
      tlsOptions.passwordFile = secret.resolveSibling("cluster.p12.password");
      if (!Files.exists(tlsOptions.keystore)) {
        ClusterKeystore.create(tlsOptions.keystore, tlsOptions.passwordFile);
        out.println("created a TLS keystore for this cluster in " + tlsOptions.keystore);
      }
    }
    tlsOptions.tls(); // fails here, naming the file, rather than in every process
    ProcessCommands.stopOnShutdown(stop::countDown, closed, "weir-cluster-shutdown");
    try {
      Process coordinator =
          start(
              "coordinator",
              out,
              CoordinatorCommand.class,
              "--port=" + port,
              "--secret-file=" + secret);
      coordinator.onExit().thenRun(stop::countDown);
      int coordinatorPort =
          Integer.parseInt(
              new ProcessOutput(coordinator, line -> out.println("[coordinator] " + line))
                  .await(LISTENING, Duration.ofSeconds(60))
                  .group(1));
      for (int i = 1; i <= workers; i++) {
        String name = "worker " + i;
        Process worker =
            start(
                name,
                out,
                WorkerCommand.class,
                "--coordinator=127.0.0.1:" + coordinatorPort,
                "--slots=" + perWorker,
                "--secret-file=" + secret);
        new ProcessOutput(worker, line -> out.println("[" + name + "] " + line));
      }
      out.printf(
          "cluster: coordinator at 127.0.0.1:%d, %d workers of %d slots; secret in %s%n",
          coordinatorPort, workers, perWorker, secret);
      stop.await();
      return coordinator.isAlive() ? 0 : 1;
    } finally {
      stopAll();
      closed.countDown();
    }
  }

  private static Path defaultSecretFile() {
    String home = System.getProperty("weir.home");
    return home != null
        ? Path.of(home, "conf", "cluster.secret")
        : Path.of("cluster.secret").toAbsolutePath();
  }

  /** Starts {@code main} in a JVM of this one's classpath; its end is reported to {@code out}. */
  private Process start(String name, PrintWriter out, Class<?> main, String... args)
      throws IOException {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of(tlsOptions.asArguments()));
    Process p = JavaProcess.start(List.of(), main, all.toArray(new String[0]));
    synchronized (started) {
      started.add(p);
    }
    p.onExit()
        .thenAccept(
            ended -> out.println("[" + name + "] ended with exit code " + ended.exitValue()));
    return p;
  }

  /** SIGTERM to every process started, then SIGKILL to whoever is still there after the wait. */
  private void stopAll() throws InterruptedException {
    List<Process> all;
    synchronized (started) {
      all = new ArrayList<>(started);
    }
    for (Process p : all) {
      p.destroy();
    }
    long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
    for (Process p : all) {
      long left = Math.max(0, deadline - System.nanoTime());
      if (!p.waitFor(left, TimeUnit.NANOSECONDS)) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
  }
}
