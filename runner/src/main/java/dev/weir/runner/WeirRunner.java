package dev.weir.runner;

import dev.weir.cluster.client.ClusterClient;
import dev.weir.cluster.transport.ClusterSecret;
import dev.weir.cluster.transport.ClusterTls;
import dev.weir.cluster.transport.HostPort;
import dev.weir.engine.checkpoint.CheckpointConfig;
import dev.weir.engine.cluster.EngineConfig;
import dev.weir.engine.cluster.JobClient;
import dev.weir.engine.cluster.JobExecutionException;
import dev.weir.engine.cluster.LocalCluster;
import dev.weir.engine.cluster.RestartStrategy;
import dev.weir.engine.control.ControlEndpoint;
import dev.weir.engine.graph.JobGraph;
import dev.weir.engine.graph.JobGraphCodec;
import dev.weir.state.rocksdb.RocksDbStateBackendFactory;
import dev.weir.translation.PipelineTranslator;
import dev.weir.translation.context.TranslationSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineRunner;
import org.apache.beam.sdk.metrics.MetricsEnvironment;
import org.apache.beam.sdk.metrics.MetricsOptions;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsValidator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs Beam pipelines on Weir's engine: {@code --runner=WeirRunner}. Without a cluster address the
 * pipeline runs embedded in this JVM, one thread per subtask. {@link #run} returns once the job
 * started; {@link WeirPipelineResult#waitUntilFinish()} waits for it.
 */
public final class WeirRunner extends PipelineRunner<WeirPipelineResult> {

  private static final Logger LOG = LoggerFactory.getLogger(WeirRunner.class);
  private static final LocalCluster EMBEDDED = new LocalCluster();

  private final WeirPipelineOptions options;

  /** Whether every job graph is encoded and decoded as if shipped to a cluster (tests). */
  private boolean checkShippable;

  private WeirRunner(WeirPipelineOptions options) {
    this.options = options;
  }

  /**
   * From now on, encodes and decodes every translated job graph before running it (the original),
   * as a cluster would ship it: whatever in a pipeline cannot be shipped fails it at submission,
   * naming the vertex or edge. {@link TestWeirRunner} does this for every test pipeline.
   */
  WeirRunner checkingShippability() {
    this.checkShippable = true;
    return this;
  }

  /** Called by Beam for {@code --runner=WeirRunner}; checks the options. */
  public static WeirRunner fromOptions(PipelineOptions options) {
    WeirPipelineOptions weir =
        PipelineOptionsValidator.validate(WeirPipelineOptions.class, options);
    // Boxed like the Flink runner's options of the same names; a value set to null is no value.
    check(weir.getParallelism() != null, "--parallelism must be set");
    check(weir.getMaxParallelism() != null, "--maxParallelism must be set");
    check(weir.getMaxBundleSize() != null, "--maxBundleSize must be set");
    check(weir.getCheckpointingInterval() != null, "--checkpointingInterval must be set");
    check(weir.getCheckpointTimeoutMillis() != null, "--checkpointTimeoutMillis must be set");
    check(weir.getMinPauseBetweenCheckpoints() != null, "--minPauseBetweenCheckpoints must be set");
    check(
        weir.getParallelism() >= 1,
        "--parallelism must be at least 1, got " + weir.getParallelism());
    check(
        weir.getMaxParallelism() >= weir.getParallelism() && weir.getMaxParallelism() <= 32768,
        "--maxParallelism must be between --parallelism ("
            + weir.getParallelism()
            + ") and 32768, got "
            + weir.getMaxParallelism());
    check(
        weir.getMaxBundleSize() >= 1 && weir.getMaxBundleSize() <= Integer.MAX_VALUE,
        "--maxBundleSize must be between 1 and "
            + Integer.MAX_VALUE
            + ", got "
            + weir.getMaxBundleSize());
    check(
        weir.getMaxBundleTimeMillis() >= 1,
        "--maxBundleTimeMillis must be at least 1, got " + weir.getMaxBundleTimeMillis());
    check(
        weir.getBufferTimeoutMillis() >= -1,
        "--bufferTimeoutMillis must be -1 (only full buffers), 0 or more, got "
            + weir.getBufferTimeoutMillis());
    check(
        weir.getCheckpointingInterval() == -1 || weir.getCheckpointingInterval() >= 1,
        "--checkpointingInterval must be -1 (no checkpoints) or at least 1 ms, got "
            + weir.getCheckpointingInterval());
    check(
        weir.getCheckpointTimeoutMillis() >= 1,
        "--checkpointTimeoutMillis must be at least 1, got " + weir.getCheckpointTimeoutMillis());
    check(
        weir.getMinPauseBetweenCheckpoints() >= 0,
        "--minPauseBetweenCheckpoints must not be negative, got "
            + weir.getMinPauseBetweenCheckpoints());
    check(
        weir.getNumRetainedCheckpoints() >= 1,
        "--numRetainedCheckpoints must be at least 1, got " + weir.getNumRetainedCheckpoints());
    check(
        weir.getControlPort() >= -1 && weir.getControlPort() <= 65535,
        "--controlPort must be -1 (none), 0 (any free port) "
            + "or a port up to 65535, got "
            + weir.getControlPort());
    check(
        weir.getTaskCancellationTimeoutMillis() >= 1,
        "--taskCancellationTimeoutMillis must be at least 1, got "
            + weir.getTaskCancellationTimeoutMillis());
    check(
        weir.getTolerableCheckpointFailures() >= 0,
        "--tolerableCheckpointFailures must not be negative, got "
            + weir.getTolerableCheckpointFailures());
    check(
        weir.getRestartAttempts() >= -1,
        "--restartAttempts must be -1 (default), 0 or more, got " + weir.getRestartAttempts());
    check(
        weir.getRestartDelayMillis() >= 0,
        "--restartDelayMillis must not be negative, got " + weir.getRestartDelayMillis());
    check(
        weir.getMaxRestartDelayMillis() >= weir.getRestartDelayMillis(),
        "--maxRestartDelayMillis ("
            + weir.getMaxRestartDelayMillis()
            + ") must not be less than --restartDelayMillis ("
            + weir.getRestartDelayMillis()
            + ")");
    check(
        weir.getStateBackend() != null
            && Set.of("heap", "rocksdb").contains(weir.getStateBackend().toLowerCase(Locale.ROOT)),
        "--stateBackend must be heap or rocksdb, got " + weir.getStateBackend());
    check(
        weir.getCheckpointDir() != null && !weir.getCheckpointDir().isBlank(),
        "--checkpointDir must name a directory");
    if (weir.getCoordinator() != null) {
      check(
          weir.getControlPort() == -1,
          "--coordinator runs the pipeline on a cluster, whose coordinator controls it: leave out"
              + " --controlPort and use weir status|savepoint|stop|cancel --coordinator=HOST:PORT"
              + " --job=ID");
    }
    return new WeirRunner(weir);
  }

  private static void check(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException("Invalid Weir option: " + message);
    }
  }

  @Override
  public WeirPipelineResult run(Pipeline pipeline) {
    MetricsEnvironment.setMetricsSupported(true);
    PipelineTranslator.applyOverrides(pipeline);
    boolean checkpointing = options.getCheckpointingInterval() > 0;
    TranslationSettings settings =
        new TranslationSettings(
            options.getParallelism(),
            options.getMaxParallelism(),
            Math.toIntExact(options.getMaxBundleSize()),
            options.getMaxBundleTimeMillis(),
            checkpointing,
            options.getEncodabilityCheckInterval(),
            options.getSpillDir());
    PipelineTranslator.Translation translation =
        PipelineTranslator.translate(pipeline, options.getJobName(), settings, options);
    if (translation.jobGraph().vertices().isEmpty()) {
      return new WeirPipelineResult(
          new EmptyJob(translation.jobGraph().name()), translation.metrics()::results, null, null);
    }
    if (checkShippable) {
      JobGraphCodec.decode(
          JobGraphCodec.encode(translation.jobGraph()), WeirRunner.class.getClassLoader());
    }
    EngineConfig config = engineConfig(options, EMBEDDED.config());
    if (options.getCoordinator() != null) {
      AtomicReference<ClusterJob> submitted = new AtomicReference<>();
      MetricsPushing pushing =
          MetricsPushing.forOptions(
              options.as(MetricsOptions.class),
              () -> submitted.get().metrics(),
              translation.jobGraph().name());
      ClusterJob job = submitToCluster(translation.jobGraph(), config);
      submitted.set(job);
      if (pushing != null) {
        pushing.start(job.completion());
      }
      return new WeirPipelineResult(job, job::metrics, null, null);
    }
    try {
      Path restoreFrom =
          options.getSavepointPath() == null ? null : Path.of(options.getSavepointPath());
      MetricsPushing pushing =
          MetricsPushing.forOptions(
              options.as(MetricsOptions.class),
              translation.metrics()::results,
              translation.jobGraph().name());
      ControlEndpoint control =
          bindControlEndpoint(
              options.getControlPort(),
              translation.jobGraph().name(),
              Path.of(options.getCheckpointDir()));
      JobClient job;
      try {
        job = EMBEDDED.submit(translation.jobGraph(), config, restoreFrom);
      } catch (RuntimeException | JobExecutionException e) {
        if (control != null) {
          control.close();
        }
        throw e;
      }
      if (pushing != null) {
        pushing.start(job.completion());
      }
      String controlAddress = null;
      if (control != null) {
        control.serve(job);
        controlAddress = control.address();
        LOG.info(
            "job '{}': control endpoint at http://{}, token in {} (weir savepoint|stop|cancel"
                + " --address={} --token-file={})",
            job.jobName(),
            controlAddress,
            control.tokenFile(),
            controlAddress,
            control.tokenFile());
      }
      return new WeirPipelineResult(
          job,
          translation.metrics()::results,
          controlAddress,
          control == null ? null : control.tokenFile());
    } catch (JobExecutionException e) {
      throw new Pipeline.PipelineExecutionException(WeirPipelineResult.userCause(e.getCause()));
    }
  }

  /** Ships the job graph and --filesToStage to the coordinator of --coordinator. */
  private ClusterJob submitToCluster(JobGraph graph, EngineConfig config) {
    String address = options.getCoordinator();
    HostPort coordinator;
    try {
      coordinator = HostPort.parse(address, "--coordinator");
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Invalid Weir option: " + e.getMessage(), e);
    }
    ClusterSecret secret =
        options.getSecretFile() == null
            ? ClusterSecret.none()
            : ClusterSecret.fromFile(Path.of(options.getSecretFile()));
    check(
        (options.getTlsKeystore() == null) == (options.getTlsPasswordFile() == null),
        "--tlsKeystore and --tlsPasswordFile go together");
    ClusterTls tls =
        options.getTlsKeystore() == null
            ? ClusterTls.NONE
            : ClusterTls.fromKeystore(
                Path.of(options.getTlsKeystore()), Path.of(options.getTlsPasswordFile()));
    List<Path> jars = new ArrayList<>();
    if (options.getFilesToStage() != null) {
      for (String f : options.getFilesToStage()) {
        Path jar = Path.of(f);
        check(Files.isRegularFile(jar), "--filesToStage names " + f + ", which is not a file");
        jars.add(jar);
      }
    }
    byte[] bytes = JobGraphCodec.encode(graph);
    Duration timeout = Duration.ofSeconds(60);
    ClusterClient client;
    try {
      client = ClusterClient.connect(coordinator.host(), coordinator.port(), secret, tls, timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while connecting to " + address, e);
    }
    try {
      Path savepoint =
          options.getSavepointPath() == null ? null : Path.of(options.getSavepointPath());
      ClusterClient.SubmittedJob job =
          client.submit(graph.name(), bytes, jars, config, savepoint, timeout);
      LOG.info("job '{}' runs on the cluster of {} as {}", graph.name(), address, job.id());
      return new ClusterJob(graph.name(), client, job);
    } catch (ClusterClient.JobRefusedException e) {
      client.close();
      throw new Pipeline.PipelineExecutionException(e);
    } catch (IOException | TimeoutException e) {
      client.close();
      throw new IllegalStateException(
          "cannot submit job '" + graph.name() + "' to " + address + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      client.close();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while submitting to " + address, e);
    }
  }

  private static ControlEndpoint bindControlEndpoint(int port, String jobName, Path tokenDir) {
    if (port == -1) {
      return null;
    }
    try {
      return ControlEndpoint.bind(port, jobName, tokenDir);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Invalid Weir option --controlPort=" + port + ": " + e.getMessage(), e);
    }
  }

  /** The engine settings {@code options} ask for, on top of {@code base}. */
  public static EngineConfig engineConfig(WeirPipelineOptions options, EngineConfig base) {
    EngineConfig config =
        base.withBufferTimeoutMillis(options.getBufferTimeoutMillis())
            .withTaskCancellationTimeout(
                Duration.ofMillis(options.getTaskCancellationTimeoutMillis()));
    boolean checkpointing = options.getCheckpointingInterval() > 0;
    // Savepoints need a directory too, so the coordinator exists whenever one is set; periodic
    // checkpoints only with an interval.
    Duration interval = Duration.ofMillis(Math.max(0, options.getCheckpointingInterval()));
    config =
        config.withCheckpoints(
            new CheckpointConfig(
                interval,
                Duration.ofMillis(options.getCheckpointTimeoutMillis()),
                Duration.ofMillis(options.getMinPauseBetweenCheckpoints()),
                options.getNumRetainedCheckpoints(),
                Path.of(options.getCheckpointDir()),
                options.getAllowCheckpointFallback(),
                options.getTolerableCheckpointFailures()));
    if (options.getStateBackend().equalsIgnoreCase("rocksdb")) {
      config =
          config.withStateBackend(new RocksDbStateBackendFactory(Path.of(options.getRocksDbDir())));
    }
    // Streaming jobs live long: transient failures must not add up to a failed job, but a job
    // that fails again and again backs off.
    int attempts =
        options.getRestartAttempts() != -1
            ? options.getRestartAttempts()
            : checkpointing ? RestartStrategy.UNLIMITED : 0;
    return config.withRestartStrategy(
        RestartStrategy.exponentialDelay(
            attempts,
            Duration.ofMillis(options.getRestartDelayMillis()),
            Duration.ofMillis(options.getMaxRestartDelayMillis())));
  }

  @Override
  public String toString() {
    return "WeirRunner";
  }
}
