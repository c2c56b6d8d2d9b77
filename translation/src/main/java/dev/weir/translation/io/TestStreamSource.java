package dev.weir.translation.io;

import dev.weir.engine.source.Source;
import dev.weir.engine.source.SourceContext;
import dev.weir.engine.source.SourceOutput;
import dev.weir.engine.source.SourceReader;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.util.CoderUtils;
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

  /** What the events become to travel with the job graph (Beam's events are not serializable). */
  private enum Kind {
    ELEMENTS,
    WATERMARK,
    PROCESSING_TIME
  }

  /** One event: its elements encoded with their coder, or the watermark or the time advance. */
  private record Step(Kind kind, long millis, byte[] elements) implements Serializable {}

  private final Coder<List<TimestampedValue<T>>> elementsCoder;
  private final List<Step> events;

  public TestStreamSource(List<TestStream.Event<T>> events, Coder<T> valueCoder) {
    this.elementsCoder = ListCoder.of(TimestampedValue.TimestampedValueCoder.of(valueCoder));
    List<Step> steps = new ArrayList<>(events.size());
    for (TestStream.Event<T> event : events) {
      if (event instanceof TestStream.ElementEvent<T> elements) {
        List<TimestampedValue<T>> values = new ArrayList<>();
        elements.getElements().forEach(values::add);
        steps.add(new Step(Kind.ELEMENTS, 0, encode(values)));
      } else if (event instanceof TestStream.WatermarkEvent<T> watermark) {
        steps.add(new Step(Kind.WATERMARK, watermark.getWatermark().getMillis(), null));
      } else if (event instanceof TestStream.ProcessingTimeEvent<T> time) {
        steps.add(
            new Step(Kind.PROCESSING_TIME, time.getProcessingTimeAdvance().getMillis(), null));
      } else {
        throw new IllegalArgumentException("unknown TestStream event " + event);
      }
    }
    this.events = List.copyOf(steps);
  }

  private byte[] encode(List<TimestampedValue<T>> values) {
    try {
      return CoderUtils.encodeToByteArray(elementsCoder, values);
    } catch (CoderException e) {
      throw new IllegalArgumentException("cannot encode the elements of a TestStream: " + e, e);
    }
  }

  private List<TimestampedValue<T>> decode(byte[] bytes) {
    try {
      return CoderUtils.decodeFromByteArray(elementsCoder, bytes);
    } catch (CoderException e) {
      throw new IllegalStateException("cannot decode the elements of a TestStream: " + e, e);
    }
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
        Step event = events.get(next++);
        switch (event.kind()) {
          case ELEMENTS -> {
            for (TimestampedValue<T> v : decode(event.elements())) {
              output.emit(
                  WindowedValues.timestampedValueInGlobalWindow(v.getValue(), v.getTimestamp()));
            }
          }
          case WATERMARK -> output.emitWatermark(event.millis());
          case PROCESSING_TIME ->
              context.setProcessingTime(context.currentProcessingTime() + event.millis());
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
