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

  public BoundedSourceAdapter(BoundedSource<T> source, int parallelism, PipelineOptions options) throws Exception {
    this.options = new SerializablePipelineOptions(options);
    long size = Math.max(1, source.getEstimatedSizeBytes(options));
    List<? extends BoundedSource<T>> split = source.split(Math.max(1, size / parallelism), options);
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
    return new Reader<>(mine, options.get());
  }

  private static final class Reader<T> implements SourceReader<WindowedValue<T>> {
    private final List<BoundedSource<T>> splits;
    private final PipelineOptions options;
    private int next;
    private BoundedSource.BoundedReader<T> current;
    private boolean available;

    Reader(List<BoundedSource<T>> splits, PipelineOptions options) {
      this.splits = splits;
      this.options = options;
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
      if (current != null) {
        current.close();
        current = null;
      }
    }
  }
}
