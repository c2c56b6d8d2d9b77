package dev.weir.engine.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.weir.engine.TestSupport;
import dev.weir.engine.checkpoint.CheckpointConfig;
import dev.weir.engine.cluster.EngineConfig;
import dev.weir.engine.cluster.JobClient;
import dev.weir.engine.cluster.JobStatus;
import dev.weir.engine.cluster.LocalCluster;
import dev.weir.engine.graph.JobGraph;
import dev.weir.engine.graph.JobVertex;
import dev.weir.engine.operator.AbstractOperator;
import dev.weir.engine.operator.Operators;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlEndpointTest {

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  /** The token of the endpoint under test, sent with every call unless {@code null}. */
  private String token;

  private HttpResponse<String> call(String method, String address, String path) throws Exception {
    return call(method, address, path, token, null);
  }

  private HttpResponse<String> call(
      String method, String address, String path, String bearer, String origin) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://" + address + path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .timeout(Duration.ofSeconds(60));
    if (bearer != null) {
      request.header("Authorization", "Bearer " + bearer);
    }
    if (origin != null) {
      request.header("Origin", origin);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private ControlEndpoint bind(int port, String job) throws Exception {
    ControlEndpoint endpoint = ControlEndpoint.bind(port, job, dir.resolve("control"));
    token = Files.readString(endpoint.tokenFile());
    return endpoint;
  }

  /** A request with a Host header of our choosing, which HttpClient does not allow. */
  private static String rawRequest(String address, String requestLine, String host)
      throws Exception {
    int colon = address.lastIndexOf(':');
    try (Socket socket =
        new Socket(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)))) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              (requestLine + "\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /**
   * Issue 12, point 10: any web page could POST /cancel (a simple cross-origin request), a
   * DNS-rebinding page could read /status, and any local user could send anything.
   */
  @Test
  void foreignOriginsForeignHostsAndRequestsWithoutTheTokenAreRefused() throws Exception {
    try (LocalCluster cluster = new LocalCluster()) {
      ControlEndpoint endpoint = bind(0, "guarded");
      JobClient job = cluster.submit(slowJob("guarded"));
      endpoint.serve(job);
      String address = endpoint.address();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(endpoint.tokenFile())))
          .isEqualTo("rw-------");

      HttpResponse<String> noToken = call("POST", address, "/cancel", null, null);
      assertThat(noToken.statusCode()).isEqualTo(401);
      assertThat(field(noToken.body(), "error")).contains("needs the job's token");
      HttpResponse<String> wrongToken = call("POST", address, "/cancel", "0" + token, null);
      assertThat(wrongToken.statusCode()).isEqualTo(401);
      HttpResponse<String> crossOrigin =
          call("POST", address, "/cancel", token, "http://evil.example");
      assertThat(crossOrigin.statusCode()).isEqualTo(403);
      assertThat(field(crossOrigin.body(), "error")).contains("cross-origin");
      assertThat(rawRequest(address, "GET /status HTTP/1.1", "evil.example:80"))
          .startsWith("HTTP/1.1 403")
          .contains("Host header");
      assertThat(job.status()).as("nothing got through").isEqualTo(JobStatus.RUNNING);

      assertThat(rawRequest(address, "GET /status HTTP/1.1", address)).startsWith("HTTP/1.1 200");
      HttpResponse<String> sameOrigin =
          call("POST", address, "/cancel", token, "http://" + address);
      assertThat(sameOrigin.statusCode()).isEqualTo(200);
      assertThat(job.waitForCompletion(Duration.ofSeconds(30)).status())
          .isEqualTo(JobStatus.CANCELED);
      await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(endpoint.tokenFile()));
    }
  }

  private static String field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":\"?([^\",}]*)").matcher(json);
    assertThat(m.find()).as("field %s in %s", name, json).isTrue();
    return m.group(1);
  }

  /** Released by the test: until then a snapshot of {@link HeldSnapshot} does not finish. */
  static final CountDownLatch SNAPSHOT_RELEASE = new CountDownLatch(1);

  static final CountDownLatch SNAPSHOT_STARTED = new CountDownLatch(1);

  /** A sink whose snapshot waits for {@link #SNAPSHOT_RELEASE}, so a savepoint stays pending. */
  static final class HeldSnapshot extends AbstractOperator<Long, Void> {
    @Override
    public void processElement(Long value) {}

    @Override
    public byte[] snapshotOperatorState(long checkpointId) throws InterruptedException {
      SNAPSHOT_STARTED.countDown();
      SNAPSHOT_RELEASE.await(30, TimeUnit.SECONDS);
      return null;
    }
  }

  /** Issue 12, point 10: one thread served every request, so status waited for a savepoint. */
  @Test
  void statusAnswersWhileASavepointIsPending() throws Exception {
    EngineConfig config =
        EngineConfig.DEFAULT.withCheckpoints(CheckpointConfig.every(Duration.ZERO, dir));
    try (LocalCluster cluster = new LocalCluster(config)) {
      ControlEndpoint endpoint = bind(0, "pending");
      JobGraph g = new JobGraph("pending");
      JobVertex src = g.addSource("numbers", new TestSupport.PacedSequence(1_000_000, 5), 1);
      JobVertex sink = g.addOperator("held", HeldSnapshot::new, 1);
      g.connect(src, sink).rebalance().kryo(Long.class);
      JobClient job = cluster.submit(g);
      endpoint.serve(job);
      String address = endpoint.address();
      CompletableFuture<HttpResponse<String>> savepoint =
          http.sendAsync(
              HttpRequest.newBuilder(URI.create("http://" + address + "/savepoint"))
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .header("Authorization", "Bearer " + token)
                  .timeout(Duration.ofSeconds(60))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(SNAPSHOT_STARTED.await(30, TimeUnit.SECONDS)).isTrue();
      HttpResponse<String> status = call("GET", address, "/status");
      assertThat(status.statusCode()).isEqualTo(200);
      assertThat(savepoint).as("the savepoint is still pending").isNotDone();
      SNAPSHOT_RELEASE.countDown();
      assertThat(savepoint.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      job.cancel();
      job.waitForCompletion(Duration.ofSeconds(30));
    }
  }

  private static JobGraph slowJob(String name) {
    JobGraph g = new JobGraph(name);
    JobVertex src = g.addSource("numbers", new TestSupport.PacedSequence(1_000_000, 5), 2);
    JobVertex sink = g.addOperator("sink", () -> Operators.sink((Long v) -> {}), 2);
    g.connect(src, sink).rebalance().kryo(Long.class);
    return g;
  }

  @Test
  void savepointThenStopWithSavepointThroughTheEndpoint() throws Exception {
    EngineConfig config =
        EngineConfig.DEFAULT.withCheckpoints(CheckpointConfig.every(Duration.ZERO, dir));
    try (LocalCluster cluster = new LocalCluster(config)) {
      ControlEndpoint endpoint = bind(0, "controlled");
      JobClient job = cluster.submit(slowJob("controlled"));
      endpoint.serve(job);
      String address = endpoint.address();

      HttpResponse<String> status = call("GET", address, "/status");
      assertThat(status.statusCode()).isEqualTo(200);
      assertThat(field(status.body(), "status")).isEqualTo("RUNNING");
      assertThat(status.body()).contains("\"checkpointsFailedInARow\":0");

      HttpResponse<String> savepoint = call("POST", address, "/savepoint");
      assertThat(savepoint.statusCode()).as(savepoint.body()).isEqualTo(200);
      assertThat(Files.exists(Path.of(field(savepoint.body(), "path")).resolve("_metadata")))
          .isTrue();
      assertThat(job.status()).isEqualTo(JobStatus.RUNNING);

      HttpResponse<String> stop = call("POST", address, "/stop");
      assertThat(stop.statusCode()).as(stop.body()).isEqualTo(200);
      assertThat(Files.exists(Path.of(field(stop.body(), "path")).resolve("_metadata"))).isTrue();
      assertThat(job.waitForCompletion(Duration.ofSeconds(30)).status())
          .isEqualTo(JobStatus.FINISHED);

      // The endpoint closed with the job: its port is free again.
      int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
      await()
          .atMost(Duration.ofSeconds(10))
          .ignoreExceptions()
          .untilAsserted(() -> bind(port, "again").close());
    }
  }

  @Test
  void aPortInUseIsReportedWithThePortAndTheFix() throws Exception {
    ControlEndpoint first = bind(0, "first");
    try {
      String address = first.address();
      int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
      assertThatThrownBy(() -> bind(port, "second"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("control port " + port + " is in use")
          .hasMessageContaining("0 for any free one");
    } finally {
      first.close();
    }
  }

  @Test
  void aJobWithoutCheckpointDirectoryAnswersWithTheReason() throws Exception {
    try (LocalCluster cluster = new LocalCluster()) {
      ControlEndpoint endpoint = bind(0, "no-dir");
      JobClient job = cluster.submit(slowJob("no-dir"));
      endpoint.serve(job);
      HttpResponse<String> savepoint = call("POST", endpoint.address(), "/savepoint");
      assertThat(savepoint.statusCode()).isEqualTo(409);
      assertThat(field(savepoint.body(), "error")).isNotBlank();
      HttpResponse<String> cancel = call("POST", endpoint.address(), "/cancel");
      assertThat(cancel.statusCode()).isEqualTo(200);
      assertThat(job.waitForCompletion(Duration.ofSeconds(30)).status())
          .isEqualTo(JobStatus.CANCELED);
    }
  }
}
