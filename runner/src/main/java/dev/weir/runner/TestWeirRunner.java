package dev.weir.runner;

import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.PipelineRunner;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The runner for Beam's TestPipeline ({@code --runner=TestWeirRunner}): runs the pipeline to its
 * end, and when it fails because a PAssert failed, throws that AssertionError itself, as tests
 * expect. TestPipeline then checks that every PAssert succeeded through the metrics. Every test
 * pipeline's job graph is also encoded and decoded as a cluster would ship it, so whatever a
 * pipeline holds that could not be shipped fails the test.
 */
public final class TestWeirRunner extends PipelineRunner<PipelineResult> {

  private final WeirRunner delegate;

  private TestWeirRunner(WeirRunner delegate) {
    this.delegate = delegate;
  }

  public static TestWeirRunner fromOptions(PipelineOptions options) {
    return new TestWeirRunner(WeirRunner.fromOptions(options).checkingShippability());
  }

  @Override
  public PipelineResult run(Pipeline pipeline) {
    WeirPipelineResult result = delegate.run(pipeline);
    try {
      result.waitUntilFinish();
    } catch (Pipeline.PipelineExecutionException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof AssertionError assertion) {
          throw assertion;
        }
      }
      throw e;
    }
    return result;
  }

  @Override
  public String toString() {
    return "TestWeirRunner";
  }
}
