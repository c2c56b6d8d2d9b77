package dev.weir.runner.cli;

import dev.weir.cluster.protocol.v1.JobRequest;
import dev.weir.engine.control.ControlEndpoint;
import dev.weir.runner.WeirPipelineOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code weir}: controls a running Weir job through its control endpoint (a pipeline run with
 * {@code --controlPort}, {@code --address}) or through its cluster's coordinator ({@code
 * --coordinator} and {@code --job}): list (coordinator only), status, savepoint, stop with a
 * savepoint, checkpoint (endpoint only), cancel. A savepoint's folder is printed; resume from it
 * with {@code --savepointPath=<folder>}.
 */
@Command(
    name = "weir",
    mixinStandardHelpOptions = true,
    version = "weir 0.1",
    description =
        "Controls a running Weir job: through its control endpoint (--address, a job started with"
            + " --controlPort) or through its cluster's coordinator (--coordinator, --job).")
public final class WeirCli implements Callable<Integer> {

  @Option(
      names = {"-c", "--coordinator"},
      scope = CommandLine.ScopeType.INHERIT,
      description = "host:port of a cluster's coordinator (instead of --address).")
  String coordinator;

  @Option(
      names = {"-j", "--job"},
      scope = CommandLine.ScopeType.INHERIT,
      description = "With --coordinator: the job's id (weir list shows them).")
  String job;

  @Option(
      names = "--secret-file",
      scope = CommandLine.ScopeType.INHERIT,
      description = "With --coordinator: the cluster's secret file.")
  Path secretFile;

  @Option(
      names = "--tls-keystore",
      scope = CommandLine.ScopeType.INHERIT,
      description = "With --coordinator: the cluster's TLS keystore, when it runs with TLS.")
  Path tlsKeystore;

  @Option(
      names = "--tls-password-file",
      scope = CommandLine.ScopeType.INHERIT,
      description = "With --tls-keystore: the file holding its password.")
  Path tlsPasswordFile;

  @Option(
      names = {"-a", "--address"},
      scope = CommandLine.ScopeType.INHERIT,
      description =
          "host:port of the job's control endpoint, as the job logged it (or WeirPipelineResult.controlAddress()).")
  String address;

  @Option(
      names = {"-t", "--token-file"},
      scope = CommandLine.ScopeType.INHERIT,
      description =
          "The job's control token (needed by savepoint, stop, checkpoint and cancel). Default:"
              + " control-<port>.token in the default checkpoint directory; a job run with"
              + " --checkpointDir=D writes it into D.")
  Path tokenFile;

  @Option(
      names = "--timeout",
      scope = CommandLine.ScopeType.INHERIT,
      description =
          "Seconds to wait for the answer. Default: 30 for status and cancel, 1800 for savepoint,"
              + " stop and checkpoint (they answer once the savepoint completed).")
  Long timeoutSeconds;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();

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
        spec.commandLine(), "name a command: list, status, savepoint, stop, checkpoint or cancel");
  }

  /** Sends one request; prints the answer's fields, or the error, and returns the exit code. */
  private int request(String command, String method, String path, String... fields) {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if ((address == null) == (coordinator == null)) {
      err.println(
          "weir: name the job's control endpoint with --address=HOST:PORT or its cluster's"
              + " coordinator with --coordinator=HOST:PORT (one of the two)");
      return 2;
    }
    if (coordinator != null) {
      JobRequest.Kind kind =
          switch (command) {
            case "status" -> JobRequest.Kind.KIND_STATUS;
            case "savepoint" -> JobRequest.Kind.KIND_SAVEPOINT;
            case "stop" -> JobRequest.Kind.KIND_STOP;
            case "cancel" -> JobRequest.Kind.KIND_CANCEL;
            case "list" -> JobRequest.Kind.KIND_LIST;
            default -> null;
          };
      if (kind == null) {
        err.println("weir: " + command + " is not available through a coordinator");
        return 2;
      }
      boolean snapshot =
          kind == JobRequest.Kind.KIND_SAVEPOINT || kind == JobRequest.Kind.KIND_STOP;
      return new CoordinatorRequests(
              coordinator, secretFile, tlsKeystore, tlsPasswordFile, out, err)
          .send(
              kind,
              job,
              Duration.ofSeconds(timeoutSeconds != null ? timeoutSeconds : snapshot ? 1800 : 30));
    }
    if (command.equals("list")) {
      err.println("weir: list needs --coordinator (a control endpoint serves one job)");
      return 2;
    }
    URI uri;
    try {
      uri = URI.create("http://" + address + path);
      if (uri.getHost() == null || uri.getPort() < 0) {
        throw new IllegalArgumentException("no host or port");
      }
    } catch (IllegalArgumentException e) {
      err.println("weir: --address must be host:port, got '" + address + "'");
      return 2;
    }
    boolean snapshot = !command.equals("status") && !command.equals("cancel");
    Duration timeout =
        Duration.ofSeconds(timeoutSeconds != null ? timeoutSeconds : snapshot ? 1800 : 30);
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(timeout)
            .method(method, HttpRequest.BodyPublishers.noBody());
    if (!method.equals("GET")) {
      Path file = tokenFile != null ? tokenFile : defaultTokenFile(uri.getPort());
      try {
        request.header("Authorization", "Bearer " + Files.readString(file).trim());
      } catch (IOException e) {
        err.println(
            "weir: cannot read the job's control token from "
                + file
                + " ("
                + e.getMessage()
                + "): pass --token-file, the control-<port>.token the job wrote into its"
                + " --checkpointDir");
        return 2;
      }
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (HttpConnectTimeoutException e) {
      err.println(
          "weir: could not connect to "
              + address
              + " within "
              + CONNECT_TIMEOUT.toSeconds()
              + " s: is the address right?");
      return 1;
    } catch (HttpTimeoutException e) {
      err.println(
          "weir: no answer from "
              + address
              + " within "
              + timeout.toSeconds()
              + " s; the job may still be working on it (wait longer with --timeout)");
      return 1;
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

  /** Where a job run with the default --checkpointDir wrote the token of the endpoint at port. */
  static Path defaultTokenFile(int port) {
    return ControlEndpoint.tokenFile(
        Path.of(new WeirPipelineOptions.CheckpointDirFactory().create(null)), port);
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

  @Command(name = "list", description = "Lists the jobs a coordinator runs (with --coordinator).")
  int list() {
    return request("list", "GET", "/", "");
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
