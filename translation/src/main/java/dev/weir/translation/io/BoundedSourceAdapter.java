package dev.weir.translation.io;

import dev.weir.engine.source.Source;
import dev.weir.engine.source.SourceOutput;
import dev.weir.engine.source.SourceReader;
import dev.weir.translation.metrics.JobMetrics;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.runners.core.construction.SerializablePipelineOptions;
import org.apache.beam.sdk.io.BoundedSource;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;

/**
 * A Beam BoundedSource as an engine source. The source is split once, when the job is translated;
 * subtask {@code i} reads splits {@code i, i + p, i + 2p, ...} one after the other.
 */
public final class BoundedSourceAdapter<T> implements Source<WindowedValue<T>> {

  private static final long serialVersionUID = 1L;

  private final List<? extends BoundedSource<T>> splits;
  private final SerializablePipelineOptions options;
  private final SourceMetrics metrics;

  public BoundedSourceAdapter(
      BoundedSource<T> source,
      int parallelism,
      SerializablePipelineOptions options,
      String stepName,
      JobMetrics jobMetrics)
      throws Exception {
    this.options = options;
    this.metrics = new SourceMetrics(stepName, jobMetrics);
    List<? extends BoundedSource<T>> split =
        metrics.split(
            source,
            () -> {
              long size = Math.max(1, source.getEstimatedSizeBytes(options.get()));
              return source.split(Math.max(1, size / parallelism), options.get());
            });
    this.splits = split.isEmpty() ? List.of(source) : split;
  }

  @Override
  public boolean isBounded() {
    return true;
  }

  @Override
  public SourceReader<WindowedValue<T>> createReader(int subtaskIndex, int parallelism) {
    List<long[]> mine = new ArrayList<>();
    for (int i : SourceMetrics.dealt(splits.size(), subtaskIndex, parallelism)) {
      mine.add(new long[] {i, 0});
    }
    return new Reader<>(splits, mine, options.get(), metrics);
  }

  /**
   * A position is the reader's remaining splits, each as {split index, records of it already read};
   * a restored reader skips those records (bounded readers cannot seek in general).
   */
  @Override
  public SourceReader<WindowedValue<T>> restoreReader(
      int subtaskIndex, int parallelism, List<Object> positions) {
    List<long[]> remaining = new ArrayList<>();
    for (Object p : positions) {
      long[] pairs = (long[]) p;
      for (int i = 0; i + 1 < pairs.length; i += 2) {
        remaining.add(new long[] {pairs[i], pairs[i + 1]});
      }
    }
    return new Reader<>(splits, remaining, options.get(), metrics);
  }

  private static final class Reader<T> extends MeteredSourceReader<T> {
    private final List<? extends BoundedSource<T>> splits;

    /** {split index, records read} of the splits still to read, the one being read first. */
    private final ArrayDeque<long[]> remaining;

    private final PipelineOptions options;
    private BoundedSource.BoundedReader<T> current;
    private boolean available;

    Reader(
        List<? extends BoundedSource<T>> splits,
        List<long[]> remaining,
        PipelineOptions options,
        SourceMetrics metrics) {
      super(metrics);
      this.splits = splits;
      this.remaining = new ArrayDeque<>(remaining);
      this.options = options;
    }

    @Override
    public Object position() {
      long[] pairs = new long[remaining.size() * 2];
      int i = 0;
      for (long[] r : remaining) {
        pairs[i++] = r[0];
        pairs[i++] = r[1];
      }
      return pairs;
    }

    @Override
    protected Status emitBatch(SourceOutput<WindowedValue<T>> output) throws Exception {
      for (int emitted = 0; emitted < BATCH; ) {
        long[] split = remaining.peek();
        if (split == null) {
          return Status.END_OF_INPUT;
        }
        if (current == null) {
          current = splits.get((int) split[0]).createReader(options);
          available = current.start();
          // Records a restored position says were read already.
          for (long skipped = 0; available && skipped < split[1]; skipped++) {
            available = current.advance();
          }
        } else {
          available = current.advance();
        }
        if (available) {
          output.emit(
              WindowedValues.timestampedValueInGlobalWindow(
                  current.getCurrent(), current.getCurrentTimestamp()));
          split[1]++;
          emitted++;
        } else {
          current.close();
          current = null;
          remaining.poll();
        }
      }
      return Status.MORE_AVAILABLE;
    }

    @Override
    protected void closeReaders() throws Exception {
      if (current != null) {
        current.close();
        current = null;
      }
    }
  }
}
