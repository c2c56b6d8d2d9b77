package dev.weir.runner;

import dev.weir.engine.cluster.EngineConfig;
import dev.weir.engine.cluster.JobClient;
import dev.weir.engine.cluster.JobExecutionException;
import dev.weir.engine.cluster.LocalCluster;
import dev.weir.translation.PipelineTranslator;
import dev.weir.translation.TranslationSettings;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineRunner;
import org.apache.beam.sdk.metrics.MetricsEnvironment;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsValidator;

/**
 * Runs Beam pipelines on Weir's engine: {@code --runner=WeirRunner}. Without a cluster address the
 * pipeline runs embedded in this JVM, one thread per subtask. {@link #run} returns once the job
 * started; {@link WeirPipelineResult#waitUntilFinish()} waits for it.
 */
public final class WeirRunner extends PipelineRunner<WeirPipelineResult> {

  private static final LocalCluster EMBEDDED = new LocalCluster();

  private final WeirPipelineOptions options;

  private WeirRunner(WeirPipelineOptions options) {
    this.options = options;
  }

  /** Called by Beam for {@code --runner=WeirRunner}; checks the options. */
  public static WeirRunner fromOptions(PipelineOptions options) {
    WeirPipelineOptions weir = PipelineOptionsValidator.validate(WeirPipelineOptions.class, options);
    check(weir.getParallelism() >= 1, "--parallelism must be at least 1, got " + weir.getParallelism());
    check(weir.getMaxParallelism() >= weir.getParallelism() && weir.getMaxParallelism() <= 32768,
        "--maxParallelism must be between --parallelism (" + weir.getParallelism() + ") and 32768, got " + weir.getMaxParallelism());
    check(weir.getMaxBundleSize() >= 1, "--maxBundleSize must be at least 1, got " + weir.getMaxBundleSize());
    check(weir.getMaxBundleTimeMillis() >= 1, "--maxBundleTimeMillis must be at least 1, got " + weir.getMaxBundleTimeMillis());
    check(weir.getBufferTimeoutMillis() >= -1, "--bufferTimeoutMillis must be -1 (only full buffers), 0 or more, got "
        + weir.getBufferTimeoutMillis());
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
    TranslationSettings settings = new TranslationSettings(options.getParallelism(), options.getMaxParallelism(),
        options.getMaxBundleSize(), options.getMaxBundleTimeMillis());
    PipelineTranslator.Translation translation = PipelineTranslator.translate(pipeline, options.getJobName(), settings, options);
    EngineConfig config = EMBEDDED.config().withBufferTimeoutMillis(options.getBufferTimeoutMillis());
    try {
      JobClient job = EMBEDDED.submit(translation.jobGraph(), config);
      return new WeirPipelineResult(job, translation.metrics());
    } catch (JobExecutionException e) {
      throw new Pipeline.PipelineExecutionException(WeirPipelineResult.userCause(e.getCause()));
    }
  }

  @Override
  public String toString() {
    return "WeirRunner";
  }
}
