package dev.weir.runner.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code weir}: controls a running Weir job through its control endpoint (a pipeline run with
 * {@code --controlPort}): status, savepoint, stop with a savepoint, checkpoint, cancel. A
 * savepoint's folder is printed; resume from it with {@code --savepointPath=<folder>}.
 */
@Command(
    name = "weir",
    mixinStandardHelpOptions = true,
    version = "weir 0.1",
    description = "Controls a running Weir job (started with --controlPort).")
public final class WeirCli implements Callable<Integer> {

  @Option(
      names = {"-a", "--address"},
      required = true,
      scope = CommandLine.ScopeType.INHERIT,
      description =
          "host:port of the job's control endpoint, as the job logged it (or WeirPipelineResult.controlAddress()).")
  String address;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the command line with the given output streams; returns the exit code (0 on success). */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new WeirCli());
    cli.setOut(out);
    cli.setErr(err);
    return cli.execute(args);
  }

  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "name a command: status, savepoint, stop, checkpoint or cancel");
  }

  /** Sends one request; prints the answer's fields, or the error, and returns the exit code. */
  private int request(String command, String method, String path, String... fields) {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    URI uri;
    try {
      uri = URI.create("http://" + address + path);
    } catch (IllegalArgumentException e) {
      err.println("weir: --address must be host:port, got '" + address + "'");
      return 2;
    }
    HttpRequest request =
        HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody()).build();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      err.println(
          "weir: no job answers at "
              + address
              + ": is the job running, and was it started with --controlPort?");
      return 1;
    } catch (IOException e) {
      err.println("weir: cannot reach " + address + ": " + e);
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
    String body = response.body();
    if (response.statusCode() != 200) {
      err.println("weir: " + command + " failed: " + field(body, "error"));
      return 1;
    }
    for (String f : fields) {
      out.println(f + ": " + field(body, f));
    }
    return 0;
  }

  private static String field(String json, String name) {
    Matcher m =
        Pattern.compile("\"" + Pattern.quote(name) + "\":(\"((?:[^\"\\\\]|\\\\.)*)\"|[-0-9.]+)")
            .matcher(json);
    if (!m.find()) {
      return json;
    }
    String value = m.group(2) != null ? m.group(2) : m.group(1);
    return value.replace("\\\"", "\"").replace("\\\\", "\\");
  }

  @Command(
      name = "status",
      description = "Prints the job's name, status, restarts and completed checkpoints.")
  int status() {
    return request("status", "GET", "/status", "job", "status", "restarts", "checkpoints");
  }

  @Command(
      name = "savepoint",
      description = "Takes a savepoint and prints its folder; the job goes on.")
  int savepoint() {
    return request("savepoint", "POST", "/savepoint", "path");
  }

  @Command(
      name = "stop",
      description =
          "Takes a savepoint, stops the job (it ends FINISHED) and prints the savepoint's folder.")
  int stop() {
    return request("stop", "POST", "/stop", "path");
  }

  @Command(name = "checkpoint", description = "Takes a checkpoint now and prints its folder.")
  int checkpoint() {
    return request("checkpoint", "POST", "/checkpoint", "path");
  }

  @Command(name = "cancel", description = "Cancels the job.")
  int cancel() {
    return request("cancel", "POST", "/cancel", "status");
  }
}
