package dev.weir.translation.io;

import dev.weir.engine.source.Source;
import dev.weir.engine.source.SourceOutput;
import dev.weir.engine.source.SourceReader;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.runners.core.construction.SerializablePipelineOptions;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;

/**
 * A Beam UnboundedSource as an engine source: split once into as many parts as subtasks when the
 * job is translated, each subtask reading its parts round robin. The subtask's watermark is the
 * minimum of its readers'; when it reaches the end of time the subtask's input ends.
 */
public final class UnboundedSourceAdapter<T> implements Source<WindowedValue<T>> {

  private static final long serialVersionUID = 1L;
  private static final int BATCH = 64;

  private final List<? extends UnboundedSource<T, ?>> splits;
  private final SerializablePipelineOptions options;

  public UnboundedSourceAdapter(UnboundedSource<T, ?> source, int parallelism, PipelineOptions options) throws Exception {
    this.options = new SerializablePipelineOptions(options);
    List<? extends UnboundedSource<T, ?>> split = source.split(parallelism, options);
    this.splits = split.isEmpty() ? List.of(source) : split;
  }

  @Override
  public boolean isBounded() {
    return false;
  }

  @Override
  public SourceReader<WindowedValue<T>> createReader(int subtaskIndex, int parallelism) {
    List<UnboundedSource<T, ?>> mine = new ArrayList<>();
    for (int i = subtaskIndex; i < splits.size(); i += parallelism) {
      mine.add(splits.get(i));
    }
    return new Reader<>(mine, options.get());
  }

  private static final class Reader<T> implements SourceReader<WindowedValue<T>> {
    private final List<UnboundedSource<T, ?>> splits;
    private final PipelineOptions options;
    private final List<UnboundedSource.UnboundedReader<T>> readers = new ArrayList<>();
    private boolean[] started;
    private int next;

    Reader(List<UnboundedSource<T, ?>> splits, PipelineOptions options) {
      this.splits = splits;
      this.options = options;
    }

    @Override
    public void open() throws Exception {
      for (UnboundedSource<T, ?> split : splits) {
        readers.add(split.createReader(options, null));
      }
      started = new boolean[readers.size()];
    }

    @Override
    public Status emitNext(SourceOutput<WindowedValue<T>> output) throws Exception {
      if (readers.isEmpty()) {
        return Status.END_OF_INPUT;
      }
      int emitted = 0;
      int idleReaders = 0;
      while (emitted < BATCH && idleReaders < readers.size()) {
        int r = next;
        next = (next + 1) % readers.size();
        UnboundedSource.UnboundedReader<T> reader = readers.get(r);
        boolean available;
        if (!started[r]) {
          started[r] = true;
          available = reader.start();
        } else {
          available = reader.advance();
        }
        if (available) {
          output.emit(WindowedValues.timestampedValueInGlobalWindow(reader.getCurrent(), reader.getCurrentTimestamp()));
          emitted++;
          idleReaders = 0;
        } else {
          idleReaders++;
        }
      }
      long watermark = Long.MAX_VALUE;
      for (UnboundedSource.UnboundedReader<T> reader : readers) {
        watermark = Math.min(watermark, reader.getWatermark().getMillis());
      }
      if (watermark >= BoundedWindow.TIMESTAMP_MAX_VALUE.getMillis()) {
        return Status.END_OF_INPUT;
      }
      output.emitWatermark(watermark);
      return emitted > 0 ? Status.MORE_AVAILABLE : Status.NOTHING_AVAILABLE;
    }

    @Override
    public void close() throws Exception {
      for (UnboundedSource.UnboundedReader<T> reader : readers) {
        reader.close();
      }
    }
  }
}
