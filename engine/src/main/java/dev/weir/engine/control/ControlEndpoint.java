package dev.weir.engine.control;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.weir.engine.checkpoint.CompletedCheckpoint;
import dev.weir.engine.cluster.JobClient;
import dev.weir.engine.lifecycle.DaemonThreads;
import dev.weir.state.PrivateFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A running job's control endpoint: a small HTTP/JSON interface on the loopback address through
 * which the {@code weir} command line (or curl) takes savepoints, stops the job with a savepoint,
 * takes a checkpoint, cancels it and reads its status, as Flink's CLI talks to its REST endpoint.
 * It closes when the job ends.
 *
 * <ul>
 *   <li>{@code GET /status}: {@code {"job": ..., "status": ..., "restarts": n, "checkpoints": n,
 *       ...}}
 *   <li>{@code POST /savepoint}, {@code POST /stop} (stop with a savepoint), {@code POST
 *       /checkpoint}: wait until it completes, then {@code {"path": ..., "checkpointId": n}}
 *   <li>{@code POST /cancel}: {@code {"status": ...}}
 * </ul>
 *
 * Errors answer 4xx/5xx with {@code {"error": ...}}.
 *
 * <p>Security: it listens on loopback only. A request whose {@code Host} is not the endpoint's own
 * loopback address and port is refused (a DNS-rebinding page cannot read it), and so is one whose
 * {@code Origin} is another site's (a web page cannot post a simple cross-origin request to it).
 * Every request that changes something must carry {@code Authorization: Bearer <token>}: a random
 * token written to {@link #tokenFile()}, a file only the job's user can read, and removed when the
 * endpoint closes. Requests are served on a few threads, so status and cancel answer while a
 * savepoint is pending.
 */
public final class ControlEndpoint implements AutoCloseable {

  private static final Duration SNAPSHOT_WAIT = Duration.ofMinutes(30);
  private static final int THREADS = 4;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final HttpServer server;
  private final ExecutorService executor;
  private final byte[] token;
  private final Path tokenFile;
  private final Set<String> ownHosts;
  private volatile JobClient job;

  private ControlEndpoint(
      HttpServer server, ExecutorService executor, byte[] token, Path tokenFile) {
    this.server = server;
    this.executor = executor;
    this.token = token;
    this.tokenFile = tokenFile;
    int port = server.getAddress().getPort();
    this.ownHosts = Set.of("127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port);
  }

  /** The file holding the token of this endpoint for a job's control files in {@code dir}. */
  public static Path tokenFile(Path dir, int port) {
    return dir.resolve("control-" + port + ".token");
  }

  /**
   * Binds the loopback address at {@code port} (0: any free port) without serving yet, so a port in
   * use is reported before the job starts, and writes a new random token to {@code
   * tokenFile(tokenDir, port)} (the folder is made private first).
   *
   * @throws IllegalArgumentException naming the port when it cannot be bound, or the folder when
   *     the token cannot be written
   */
  public static ControlEndpoint bind(int port, String jobName, Path tokenDir) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          "control port must be 0 (any free port) to 65535, got " + port);
    }
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
    } catch (BindException e) {
      throw new IllegalArgumentException(
          "control port " + port + " is in use: choose another port, or 0 for any free one", e);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot open control port " + port + ": " + e.getMessage(), e);
    }
    byte[] token = new byte[32];
    RANDOM.nextBytes(token);
    byte[] tokenText = HexFormat.of().formatHex(token).getBytes(StandardCharsets.US_ASCII);
    Path file = tokenFile(tokenDir, server.getAddress().getPort());
    try {
      PrivateFiles.prepareDirectory(tokenDir, "--checkpointDir");
      Files.deleteIfExists(file); // a stale one of a job that was killed
      Files.write(Files.createFile(file, PrivateFiles.ownerOnlyFile(tokenDir)), tokenText);
    } catch (IOException e) {
      server.stop(0);
      throw new IllegalArgumentException(
          "cannot write the control endpoint's token file " + file + ": " + e.getMessage(), e);
    }
    ExecutorService executor =
        Executors.newFixedThreadPool(THREADS, DaemonThreads.named("weir[" + jobName + "]-control"));
    server.setExecutor(executor);
    ControlEndpoint endpoint = new ControlEndpoint(server, executor, tokenText, file);
    server.createContext("/", endpoint::handle);
    return endpoint;
  }

  /** Where the token that requests changing something must carry is. */
  public Path tokenFile() {
    return tokenFile;
  }

  /** Starts answering for {@code job}; the endpoint closes itself when the job ends. */
  public void serve(JobClient job) {
    this.job = job;
    server.start();
    // Closed on its own thread, after the request in progress (a stop ends the job) was answered.
    job.completion().whenComplete((result, failure) -> executor.execute(this::close));
  }

  /** Where the endpoint listens, for instance {@code 127.0.0.1:41234}. */
  public String address() {
    InetSocketAddress a = server.getAddress();
    return a.getAddress().getHostAddress() + ":" + a.getPort();
  }

  /** Why the request must be refused before anything else, or {@code null}. */
  private String refusal(HttpExchange exchange) {
    String host = exchange.getRequestHeaders().getFirst("Host");
    if (host == null || !ownHosts.contains(host.toLowerCase(Locale.ROOT))) {
      return "refused: the Host header must be this endpoint's loopback address and port";
    }
    String origin = exchange.getRequestHeaders().getFirst("Origin");
    if (origin != null && !ownHosts.contains(stripScheme(origin.toLowerCase(Locale.ROOT)))) {
      return "refused: cross-origin requests are not allowed";
    }
    return null;
  }

  private static String stripScheme(String origin) {
    return origin.startsWith("http://") ? origin.substring("http://".length()) : origin;
  }

  private boolean authorized(HttpExchange exchange) {
    String header = exchange.getRequestHeaders().getFirst("Authorization");
    if (header == null || !header.startsWith("Bearer ")) {
      return false;
    }
    byte[] given = header.substring("Bearer ".length()).trim().getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(given, token);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
      String refused = refusal(exchange);
      if (refused != null) {
        respond(exchange, 403, Json.object("error", refused));
        return;
      }
      if (!method.equals("GET") && !authorized(exchange)) {
        respond(
            exchange,
            401,
            Json.object(
                "error",
                "this request needs the job's token: send 'Authorization: Bearer <token>' with the"
                    + " token from "
                    + tokenFile));
        return;
      }
      JobClient j = job;
      if (j == null) {
        respond(exchange, 503, Json.object("error", "the job is not running yet"));
        return;
      }
      if (path.equals("/status") && method.equals("GET")) {
        var stats = j.checkpointStats();
        respond(
            exchange,
            200,
            Json.object(
                "job",
                j.jobName(),
                "status",
                j.status().name(),
                "restarts",
                j.restarts(),
                "checkpoints",
                stats == null ? 0 : stats.completed(),
                "checkpointsFailed",
                stats == null ? 0 : stats.failed(),
                "checkpointsFailedInARow",
                stats == null ? 0 : stats.failedInARow(),
                "lastCheckpointFailure",
                stats == null ? null : stats.lastFailure()));
        return;
      }
      if (!method.equals("POST")) {
        respond(
            exchange,
            405,
            Json.object(
                "error",
                method
                    + " "
                    + path
                    + " is not supported; see GET /status, POST /savepoint, /stop, /checkpoint, /cancel"));
        return;
      }
      switch (path) {
        case "/savepoint" -> respondWithSnapshot(exchange, j.triggerSavepoint());
        case "/stop" -> respondWithSnapshot(exchange, j.stopWithSavepoint());
        case "/checkpoint" -> respondWithSnapshot(exchange, j.triggerCheckpoint());
        case "/cancel" -> {
          j.cancel();
          respond(exchange, 200, Json.object("status", j.status().name()));
        }
        default ->
            respond(
                exchange,
                404,
                Json.object(
                    "error",
                    "unknown path "
                        + path
                        + "; see GET /status, POST /savepoint, /stop, /checkpoint, /cancel"));
      }
    } catch (RuntimeException e) {
      respond(exchange, 500, Json.object("error", String.valueOf(e.getMessage())));
    }
  }

  private static void respondWithSnapshot(
      HttpExchange exchange, CompletableFuture<CompletedCheckpoint> snapshot) throws IOException {
    try {
      CompletedCheckpoint done = snapshot.get(SNAPSHOT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      respond(
          exchange,
          200,
          Json.object(
              "path", done.folder().toAbsolutePath().toString(), "checkpointId", done.id()));
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      respond(exchange, 409, Json.object("error", String.valueOf(cause.getMessage())));
    } catch (TimeoutException e) {
      respond(
          exchange,
          504,
          Json.object("error", "not complete after " + SNAPSHOT_WAIT.toMinutes() + " minutes"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      respond(exchange, 503, Json.object("error", "interrupted"));
    }
  }

  private static void respond(HttpExchange exchange, int code, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(code, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  /** Stops listening, deletes the token file and releases the port and the threads. */
  @Override
  public void close() {
    // Lets a request in progress (the /stop or /cancel that ended the job) send its answer.
    server.stop(1);
    executor.shutdownNow();
    try {
      Files.deleteIfExists(tokenFile);
    } catch (IOException e) {
      // the folder is private; a stale token opens nothing once the port is closed
    }
  }
}
