package dev.weir.runner;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.DefaultValueFactory;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.StreamingOptions;

/** Options of the Weir runner: {@code --runner=WeirRunner --parallelism=4 ...}. */
public interface WeirPipelineOptions extends PipelineOptions, StreamingOptions {

  @Description("Number of parallel subtasks of every transform. Defaults to the number of CPU cores.")
  @Default.InstanceFactory(CoresFactory.class)
  int getParallelism();

  void setParallelism(int parallelism);

  @Description("Number of key groups: the highest parallelism keyed state can later be rescaled to. "
      + "Must be at least the parallelism and at most 32768.")
  @Default.Integer(128)
  int getMaxParallelism();

  void setMaxParallelism(int maxParallelism);

  @Description("Milliseconds a partially filled network buffer may wait before it is sent: lower means less latency, "
      + "higher more throughput. 0 sends every element at once; -1 only full buffers.")
  @Default.Long(5)
  long getBufferTimeoutMillis();

  void setBufferTimeoutMillis(long millis);

  @Description("Most elements in one DoFn bundle.")
  @Default.Integer(1000)
  int getMaxBundleSize();

  void setMaxBundleSize(int size);

  @Description("Most milliseconds one DoFn bundle stays open.")
  @Default.Long(1000)
  long getMaxBundleTimeMillis();

  void setMaxBundleTimeMillis(long millis);

  /** The number of CPU cores of this machine. */
  class CoresFactory implements DefaultValueFactory<Integer> {
    @Override
    public Integer create(PipelineOptions options) {
      return Runtime.getRuntime().availableProcessors();
    }
  }
}
