package dev.weir.translation.io;

import dev.weir.engine.source.Source;
import dev.weir.engine.source.SourceOutput;
import dev.weir.engine.source.SourceReader;
import java.util.List;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;

/**
 * Replays a TestStream from the first subtask: elements with their timestamps, and watermark
 * advances, in the order the test wrote them. A record after a watermark stays after it, so data
 * the test makes late arrives late.
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
    return new SourceReader<>() {
      private int next = subtaskIndex == 0 ? 0 : events.size();

      @Override
      public Status emitNext(SourceOutput<WindowedValue<T>> output) {
        if (next == events.size()) {
          return Status.END_OF_INPUT;
        }
        TestStream.Event<T> event = events.get(next++);
        if (event instanceof TestStream.ElementEvent<T> elements) {
          for (TimestampedValue<T> v : elements.getElements()) {
            output.emit(WindowedValues.timestampedValueInGlobalWindow(v.getValue(), v.getTimestamp()));
          }
        } else if (event instanceof TestStream.WatermarkEvent<T> watermark) {
          output.emitWatermark(watermark.getWatermark().getMillis());
        }
        // Processing-time advances need a job-wide test clock, which the engine does not have yet.
        return Status.MORE_AVAILABLE;
      }

      @Override
      public Object position() {
        return next;
      }
    };
  }
}
