package dev.weir.cluster.process;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A coordinator and workers as child JVMs of this one, on loopback, with this JVM's classpath (so
 * code on it needs no shipping): for tests, the ValidatesRunner suite and benchmarks. Started in
 * order, each awaited until it says it is ready; {@link #close} kills them by process and waits.
 */
public final class LoopbackCluster implements AutoCloseable {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  /**
   * How to start it.
   *
   * @param workers how many worker JVMs
   * @param slotsPerWorker slots of each
   * @param secretFile the cluster's secret (it must exist)
   * @param workDirectory where each process gets a folder of its own
   * @param jvmOptions JVM options of the coordinator and of each worker
   * @param extraArguments added to every process's arguments (TLS options, say)
   * @param output where each process's output lines go, by process name ("coordinator", "worker-1",
   *     ...)
   */
  public record Settings(
      int workers,
      int slotsPerWorker,
      Path secretFile,
      Path workDirectory,
      List<String> jvmOptions,
      List<String> extraArguments,
      Function<String, Consumer<String>> output) {

    /** Settings whose processes' lines go to this JVM's stdout, each prefixed {@code [name]}. */
    public static Settings printing(
        int workers,
        int slotsPerWorker,
        Path secretFile,
        Path workDirectory,
        List<String> jvmOptions,
        List<String> extraArguments) {
      return new Settings(
          workers,
          slotsPerWorker,
          secretFile,
          workDirectory,
          jvmOptions,
          extraArguments,
          name -> line -> System.out.println("[" + name + "] " + line));
    }
  }

  /** Filled as processes start, so a failed start can stop those that did. */
  private final List<Process> processes;

  private final String coordinatorAddress;
  private final Settings settings;
  private int workersStarted;

  private LoopbackCluster(Settings settings, List<Process> processes)
      throws IOException, InterruptedException, TimeoutException {
    this.processes = processes;
    this.settings = settings;
    ProcessOutput coordinator =
        start(
            settings,
            "coordinator",
            CoordinatorCommand.class,
            "--port=0",
            "--secret-file=" + settings.secretFile(),
            "--work-dir=" + settings.workDirectory().resolve("coordinator"));
    coordinatorAddress =
        "127.0.0.1:"
            + coordinator
                .await("coordinator listening on 127\\.0\\.0\\.1:(\\d+)", START_TIMEOUT)
                .group(1);
    for (int i = 1; i <= settings.workers(); i++) {
      addWorker();
    }
  }

  /**
   * Starts one more worker JVM (to replace one a test killed, say), named {@code worker-N} in
   * order, and waits until it registered with the coordinator. Not thread-safe.
   *
   * @return its process
   * @throws TimeoutException if it did not register in time (it is stopped with the others on
   *     {@link #close})
   */
  public Process addWorker() throws IOException, InterruptedException, TimeoutException {
    String name = "worker-" + (++workersStarted);
    start(
            settings,
            name,
            WorkerCommand.class,
            "--coordinator=" + coordinatorAddress,
            "--slots=" + settings.slotsPerWorker(),
            "--secret-file=" + settings.secretFile(),
            "--work-dir=" + settings.workDirectory().resolve(name))
        .await("registered with the coordinator", START_TIMEOUT);
    return processes.get(processes.size() - 1);
  }

  /**
   * Starts the coordinator, then the workers, each once the previous one is ready.
   *
   * @throws IOException if a JVM cannot start
   * @throws TimeoutException if a process did not get ready in time (everything started is stopped
   *     again, as on any failure)
   */
  public static LoopbackCluster start(Settings settings)
      throws IOException, InterruptedException, TimeoutException {
    List<Process> started = new ArrayList<>();
    try {
      return new LoopbackCluster(settings, started);
    } catch (IOException | InterruptedException | TimeoutException | RuntimeException e) {
      stop(started);
      throw e;
    }
  }

  private ProcessOutput start(Settings settings, String name, Class<?> main, String... args)
      throws IOException {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(settings.extraArguments());
    Process p = JavaProcess.start(settings.jvmOptions(), main, all.toArray(new String[0]));
    processes.add(p);
    return new ProcessOutput(p, settings.output().apply(name));
  }

  /** The coordinator's {@code 127.0.0.1:port}. */
  public String coordinatorAddress() {
    return coordinatorAddress;
  }

  /** The processes, coordinator first: for tests that kill or stop one. */
  public List<Process> processes() {
    return List.copyOf(processes);
  }

  @Override
  public void close() throws InterruptedException {
    stop(processes);
  }

  private static void stop(List<Process> processes) throws InterruptedException {
    for (Process p : processes) {
      p.destroyForcibly();
    }
    for (Process p : processes) {
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
