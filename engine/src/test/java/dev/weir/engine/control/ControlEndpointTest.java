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
import dev.weir.engine.operator.Operators;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlEndpointTest {

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> call(String method, String address, String path) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://" + address + path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .timeout(Duration.ofSeconds(60))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static String field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":\"?([^\",}]*)").matcher(json);
    assertThat(m.find()).as("field %s in %s", name, json).isTrue();
    return m.group(1);
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
      ControlEndpoint endpoint = ControlEndpoint.bind(0, "controlled");
      JobClient job = cluster.submit(slowJob("controlled"));
      endpoint.serve(job);
      String address = endpoint.address();

      HttpResponse<String> status = call("GET", address, "/status");
      assertThat(status.statusCode()).isEqualTo(200);
      assertThat(field(status.body(), "status")).isEqualTo("RUNNING");

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
          .untilAsserted(() -> ControlEndpoint.bind(port, "again").close());
    }
  }

  @Test
  void aPortInUseIsReportedWithThePortAndTheFix() {
    ControlEndpoint first = ControlEndpoint.bind(0, "first");
    try {
      String address = first.address();
      int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
      assertThatThrownBy(() -> ControlEndpoint.bind(port, "second"))
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
      ControlEndpoint endpoint = ControlEndpoint.bind(0, "no-dir");
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
