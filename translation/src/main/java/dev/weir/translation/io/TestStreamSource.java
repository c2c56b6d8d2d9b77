package dev.weir.translation.io;

import dev.weir.engine.source.Source;
import dev.weir.engine.source.SourceContext;
import dev.weir.engine.source.SourceOutput;
import dev.weir.engine.source.SourceReader;
import java.util.List;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;

/**
 * Replays a TestStream (from one subtask): elements with their timestamps, watermark advances and
 * processing-time advances, in the order the test wrote them. Before each event after the first it
 * waits until the rest of the job is quiescent, so every event's effects (late data dropped, timers
 * fired, panes emitted) are complete before the next event, as the test describes. The job runs on
 * a manual processing-time clock that only this source moves.
 */
public final class TestStreamSource<T> implements Source<WindowedValue<T>> {

  private static final long serialVersionUID = 1L;

  private final List<TestStream.Event<T>> events;

  public TestStreamSource(List<TestStream.Event<T>> events) {
    this.events = events;
  }

  @Override
  public boolean isBounded() {
    return false;
  }

  @Override
  public SourceReader<WindowedValue<T>> createReader(int subtaskIndex, int parallelism) {
    return reader(subtaskIndex == 0 ? 0 : events.size());
  }

  /**
   * The position is the index of the next event; restored, the replay continues from the earliest
   * one stored.
   */
  @Override
  public SourceReader<WindowedValue<T>> restoreReader(
      int subtaskIndex, int parallelism, List<Object> positions) {
    int next = events.size();
    for (Object p : positions) {
      next = Math.min(next, (Integer) p);
    }
    return reader(next);
  }

  private SourceReader<WindowedValue<T>> reader(int start) {
    return new SourceReader<>() {
      private int next = start;
      private SourceContext context;

      @Override
      public void open(SourceContext context) {
        this.context = context;
      }

      @Override
      public Status emitNext(SourceOutput<WindowedValue<T>> output) {
        if (next > 0 && !context.isJobQuiescent()) {
          return Status.NOTHING_AVAILABLE;
        }
        if (next == events.size()) {
          return Status.END_OF_INPUT;
        }
        TestStream.Event<T> event = events.get(next++);
        if (event instanceof TestStream.ElementEvent<T> elements) {
          for (TimestampedValue<T> v : elements.getElements()) {
            output.emit(
                WindowedValues.timestampedValueInGlobalWindow(v.getValue(), v.getTimestamp()));
          }
        } else if (event instanceof TestStream.WatermarkEvent<T> watermark) {
          output.emitWatermark(watermark.getWatermark().getMillis());
        } else if (event instanceof TestStream.ProcessingTimeEvent<T> time) {
          context.setProcessingTime(
              context.currentProcessingTime() + time.getProcessingTimeAdvance().getMillis());
        }
        // Let the event take effect (the watermark leaves with the batch) before the next one.
        return Status.NOTHING_AVAILABLE;
      }

      @Override
      public Object position() {
        return next;
      }
    };
  }
}
