package dev.weir.cluster.process;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lines a child process prints (its stdout, with stderr redirected into it), read on a daemon
 * thread as they come: each is handed to a consumer and kept, so that a caller can wait for a line
 * that matches. Any thread.
 */
public final class ProcessOutput {

  private final Process process;
  private final List<String> lines = new ArrayList<>();
  private boolean ended; // guarded by lines

  /** Starts reading {@code process}'s output; {@code eachLine} sees every line (reader thread). */
  public ProcessOutput(Process process, Consumer<String> eachLine) {
    this.process = process;
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                  eachLine.accept(line);
                  synchronized (lines) {
                    lines.add(line);
                    lines.notifyAll();
                  }
                }
              } catch (IOException ignored) {
                // the process ended
              }
              synchronized (lines) {
                ended = true;
                lines.notifyAll();
              }
            },
            "output of pid " + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * The first match of {@code pattern} in a line printed so far or within {@code timeout}.
   *
   * @throws TimeoutException naming the pattern and the lines seen, once the timeout passed or the
   *     process ended without printing such a line
   */
  public Matcher await(String pattern, Duration timeout)
      throws InterruptedException, TimeoutException {
    Pattern p = Pattern.compile(pattern);
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lines) {
      int seen = 0;
      while (true) {
        for (; seen < lines.size(); seen++) {
          Matcher m = p.matcher(lines.get(seen));
          if (m.find()) {
            return m;
          }
        }
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0 || ended) {
          throw new TimeoutException(
              "pid "
                  + process.pid()
                  + (ended ? " ended without printing" : " printed no")
                  + " line matching "
                  + pattern
                  + ": "
                  + lines);
        }
        lines.wait(left);
      }
    }
  }
}
