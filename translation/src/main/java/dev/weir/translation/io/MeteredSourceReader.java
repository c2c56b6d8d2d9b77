package dev.weir.translation.io;

import dev.weir.engine.source.SourceOutput;
import dev.weir.engine.source.SourceReader;
import dev.weir.translation.metrics.StepMetricsContainer;
import org.apache.beam.sdk.values.WindowedValue;

/**
 * What the readers of Beam's bounded and unbounded sources share: the step's metrics container,
 * opened with the reader, published once per batch of records (not per record) and merged into the
 * job's metrics when the reader closes, whatever its Beam readers threw. Task thread only.
 */
abstract class MeteredSourceReader<T> implements SourceReader<WindowedValue<T>> {

  /** Records read per call before the task looks at its mails again. */
  static final int BATCH = 64;

  private final SourceMetrics metrics;
  private StepMetricsContainer container;

  MeteredSourceReader(SourceMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public final void open() throws Exception {
    container = metrics.open();
    openReaders();
  }

  @Override
  public final Status emitNext(SourceOutput<WindowedValue<T>> output) throws Exception {
    Status status = emitBatch(output);
    container.flush();
    return status;
  }

  @Override
  public final void close() throws Exception {
    try {
      closeReaders();
    } finally {
      metrics.close(container);
      container = null;
    }
  }

  /** Creates the Beam readers, if they are created at open; the metrics container is current. */
  protected void openReaders() throws Exception {}

  /** Emits up to {@link #BATCH} records. */
  protected abstract Status emitBatch(SourceOutput<WindowedValue<T>> output) throws Exception;

  /** Closes the Beam readers that are open. */
  protected abstract void closeReaders() throws Exception;
}
