package dev.weir.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weir.runner.WeirPipelineOptions;
import dev.weir.runner.WeirPipelineResult;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.GenerateSequence;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.joda.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code weir} command line against a running Beam pipeline's control endpoint. */
class WeirCliTest {

  @TempDir Path checkpoints;

  static final class Discard extends DoFn<Long, Void> {
    @ProcessElement
    public void process(@Element Long n) {}
  }

  /** What a {@code weir} command line printed, and its exit code. */
  record Outcome(int exitCode, String out, String err) {}

  /** Runs a {@code weir} command line in this JVM. */
  static Outcome weir(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = WeirCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Outcome(code, out.toString(), err.toString());
  }

  @Test
  void statusSavepointAndStopOfARunningPipeline() throws Exception {
    WeirPipelineOptions options =
        PipelineOptionsFactory.fromArgs(
                "--runner=WeirRunner",
                "--parallelism=2",
                "--streaming=true",
                "--controlPort=0",
                "--checkpointDir=" + checkpoints,
                "--jobName=cli-controlled")
            .as(WeirPipelineOptions.class);
    Pipeline p = Pipeline.create(options);
    p.apply(GenerateSequence.from(0).withRate(2_000, Duration.standardSeconds(1)))
        .apply(ParDo.of(new Discard()));
    WeirPipelineResult result = (WeirPipelineResult) p.run();
    String address = result.controlAddress();
    assertThat(address).isNotNull();

    Outcome status = weir("status", "--address", address);
    assertThat(status.exitCode()).as(status.err()).isZero();
    assertThat(status.out()).contains("job: cli-controlled").contains("status: RUNNING");

    Path token = result.controlTokenFile();
    assertThat(token).exists().hasParent(checkpoints);
    Outcome withoutToken =
        weir("savepoint", "--address", address, "--token-file", checkpoints + "/missing");
    assertThat(withoutToken.exitCode()).isEqualTo(2);
    assertThat(withoutToken.err())
        .contains("cannot read the job's control token from " + checkpoints + "/missing");

    Outcome savepoint = weir("savepoint", "--address", address, "--token-file", token.toString());
    assertThat(savepoint.exitCode()).as(savepoint.err()).isZero();
    Path first = Path.of(savepoint.out().strip().replaceFirst("^path: ", ""));
    assertThat(first.resolve("_metadata")).exists();
    assertThat(result.getState()).isEqualTo(PipelineResult.State.RUNNING);

    Outcome stop = weir("stop", "--address", address, "--token-file", token.toString());
    assertThat(stop.exitCode()).as(stop.err()).isZero();
    Path last = Path.of(stop.out().strip().replaceFirst("^path: ", ""));
    assertThat(last.resolve("_metadata")).exists();
    assertThat(last).isNotEqualTo(first);
    assertThat(result.waitUntilFinish(Duration.standardSeconds(30)))
        .isEqualTo(PipelineResult.State.DONE);
    assertThat(Files.list(last).count()).isGreaterThan(1);

    // The endpoint closes with the job.
    await()
        .atMost(java.time.Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              Outcome gone = weir("status", "--address", address);
              assertThat(gone.exitCode()).isEqualTo(1);
              assertThat(gone.err()).contains("no job answers at " + address);
            });
  }

  @Test
  void aCommandWithoutAddressOrCommandExplainsItself() {
    Outcome noAddress = weir("status");
    assertThat(noAddress.exitCode()).isNotZero();
    assertThat(noAddress.err()).contains("--address");
    Outcome noCommand = weir("--address", "127.0.0.1:1");
    assertThat(noCommand.exitCode()).isNotZero();
    assertThat(noCommand.err()).contains("status, savepoint, stop, checkpoint or cancel");
  }
}
