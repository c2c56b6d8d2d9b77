package dev.weir.engine.control;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.weir.engine.checkpoint.CompletedCheckpoint;
import dev.weir.engine.cluster.JobClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
 * It listens on loopback only, because it is not authenticated; it closes when the job ends.
 *
 * <ul>
 *   <li>{@code GET /status}: {@code {"job": ..., "status": ..., "restarts": n, "checkpoints": n}}
 *   <li>{@code POST /savepoint}, {@code POST /stop} (stop with a savepoint), {@code POST
 *       /checkpoint}: wait until it completes, then {@code {"path": ..., "checkpointId": n}}
 *   <li>{@code POST /cancel}: {@code {"status": ...}}
 * </ul>
 *
 * Errors answer 4xx/5xx with {@code {"error": ...}}.
 */
public final class ControlEndpoint implements AutoCloseable {

  private static final Duration SNAPSHOT_WAIT = Duration.ofMinutes(30);

  private final HttpServer server;
  private final ExecutorService executor;
  private volatile JobClient job;

  private ControlEndpoint(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Binds the loopback address at {@code port} (0: any free port) without serving yet, so a port in
   * use is reported before the job starts.
   *
   * @throws IllegalArgumentException naming the port when it cannot be bound
   */
  public static ControlEndpoint bind(int port, String jobName) {
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
    ExecutorService executor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "weir[" + jobName + "]-control");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    ControlEndpoint endpoint = new ControlEndpoint(server, executor);
    server.createContext("/", endpoint::handle);
    return endpoint;
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

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
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
                stats == null ? 0 : stats.completed()));
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

  /** Stops listening and releases the port and the thread. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
