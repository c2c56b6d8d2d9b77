package dev.weir.cluster.process;

import java.io.PrintWriter;
import picocli.CommandLine;

/** Runs a process command: a user's mistake (a bad option, a bad secret file) is one line. */
final class ProcessCommands {

  private ProcessCommands() {}

  /** Waits for {@code latch} up to {@code timeout}, an interrupt only ending the wait early. */
  static void awaitQuietly(java.util.concurrent.CountDownLatch latch, java.time.Duration timeout) {
    try {
      latch.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Runs {@code command} on this process's console and exits with its code. */
  static void main(Object command, String[] args) {
    System.exit(
        run(command, args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /**
   * On SIGTERM or SIGINT: runs {@code stop}, then lets the JVM end once {@code closed} is counted
   * down (at most 10 s later), so the command releases its ports and connections first.
   */
  static void stopOnShutdown(
      Runnable stop, java.util.concurrent.CountDownLatch closed, String name) {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  stop.run();
                  awaitQuietly(closed, java.time.Duration.ofSeconds(10));
                },
                name));
  }

  static int run(Object command, String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(command);
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler(
        (e, line, parsed) -> {
          if (e instanceof IllegalArgumentException
              || e instanceof dev.weir.cluster.transport.HandshakeException
              || e instanceof java.io.UncheckedIOException) {
            err.println("weir " + line.getCommandName() + ": " + e.getMessage());
            return 1;
          }
          throw e;
        });
    return cli.execute(args);
  }

  /** A new private folder for a process's files, under {@code java.io.tmpdir}. */
  static java.nio.file.Path newWorkDirectory(String prefix) {
    try {
      return java.nio.file.Files.createTempDirectory(prefix);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(
          "cannot create a work folder under "
              + System.getProperty("java.io.tmpdir")
              + "; give one with --work-dir",
          e);
    }
  }
}
