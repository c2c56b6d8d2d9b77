package dev.weir.translation.io;

import dev.weir.engine.source.Source;
import dev.weir.engine.source.SourceOutput;
import dev.weir.engine.source.SourceReader;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.io.BoundedSource;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.runners.core.construction.SerializablePipelineOptions;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;

/**
 * A Beam BoundedSource as an engine source. The source is split once, when the job is
 * translated; subtask {@code i} reads splits {@code i, i + p, i + 2p, ...} one after the other.
 */
public final class BoundedSourceAdapter<T> implements Source<WindowedValue<T>> {

  private static final long serialVersionUID = 1L;
  private static final int BATCH = 64;

  private final List<? extends BoundedSource<T>> splits;
  private final SerializablePipelineOptions options;
  private final SourceMetrics metrics;

  public BoundedSourceAdapter(BoundedSource<T> source, int parallelism, PipelineOptions options, String stepName,
      dev.weir.translation.metrics.JobMetrics jobMetrics) throws Exception {
    this.options = new SerializablePipelineOptions(options);
    this.metrics = new SourceMetrics(stepName, jobMetrics);
    // Splitting is the source's work too: what it counts meanwhile belongs to its step.
    org.apache.beam.runners.core.metrics.MetricsContainerImpl splitMetrics = new org.apache.beam.runners.core.metrics.MetricsContainerImpl(stepName);
    List<? extends BoundedSource<T>> split;
    try (java.io.Closeable ignored = org.apache.beam.sdk.metrics.MetricsEnvironment.scopedMetricsContainer(splitMetrics)) {
      long size = Math.max(1, source.getEstimatedSizeBytes(options));
      split = source.split(Math.max(1, size / parallelism), options);
    }
    jobMetrics.merge(stepName, splitMetrics);
    this.splits = split.isEmpty() ? List.of(source) : split;
  }

  @Override
  public boolean isBounded() {
    return true;
  }

  @Override
  public SourceReader<WindowedValue<T>> createReader(int subtaskIndex, int parallelism) {
    List<BoundedSource<T>> mine = new ArrayList<>();
    for (int i = subtaskIndex; i < splits.size(); i += parallelism) {
      mine.add(splits.get(i));
    }
    return new Reader<>(mine, options.get(), metrics);
  }

  private static final class Reader<T> implements SourceReader<WindowedValue<T>> {
    private final List<BoundedSource<T>> splits;
    private final PipelineOptions options;
    private int next;
    private final SourceMetrics metrics;
    private BoundedSource.BoundedReader<T> current;
    private boolean available;
    private org.apache.beam.runners.core.metrics.MetricsContainerImpl container;

    Reader(List<BoundedSource<T>> splits, PipelineOptions options, SourceMetrics metrics) {
      this.splits = splits;
      this.options = options;
      this.metrics = metrics;
    }

    @Override
    public void open() {
      container = metrics.open();
    }

    @Override
    public Status emitNext(SourceOutput<WindowedValue<T>> output) throws Exception {
      for (int emitted = 0; emitted < BATCH; ) {
        if (current == null) {
          if (next == splits.size()) {
            return Status.END_OF_INPUT;
          }
          current = splits.get(next++).createReader(options);
          available = current.start();
        } else {
          available = current.advance();
        }
        if (available) {
          output.emit(WindowedValues.timestampedValueInGlobalWindow(current.getCurrent(), current.getCurrentTimestamp()));
          emitted++;
        } else {
          current.close();
          current = null;
        }
      }
      return Status.MORE_AVAILABLE;
    }

    @Override
    public void close() throws Exception {
      try {
        if (current != null) {
          current.close();
          current = null;
        }
      } finally {
        metrics.close(container);
        container = null;
      }
    }
  }
}
