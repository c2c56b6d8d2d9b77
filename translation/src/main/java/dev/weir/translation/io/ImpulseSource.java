package dev.weir.translation.io;

import dev.weir.engine.source.Source;
import dev.weir.engine.source.SourceOutput;
import dev.weir.engine.source.SourceReader;
import java.util.List;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;

/** Beam's Impulse: one empty byte array in the global window, from the first subtask only. */
public final class ImpulseSource implements Source<WindowedValue<byte[]>> {

  private static final long serialVersionUID = 1L;

  @Override
  public boolean isBounded() {
    return true;
  }

  @Override
  public SourceReader<WindowedValue<byte[]>> createReader(int subtaskIndex, int parallelism) {
    return reader(subtaskIndex != 0);
  }

  /**
   * The position is whether the impulse was emitted; restored, it is emitted if some subtask had
   * not yet.
   */
  @Override
  public SourceReader<WindowedValue<byte[]>> restoreReader(
      int subtaskIndex, int parallelism, List<Object> positions) {
    return reader(!positions.contains(Boolean.FALSE));
  }

  private static SourceReader<WindowedValue<byte[]>> reader(boolean emitted) {
    return new SourceReader<>() {
      private boolean done = emitted;

      @Override
      public Status emitNext(SourceOutput<WindowedValue<byte[]>> output) {
        if (!done) {
          output.emit(WindowedValues.valueInGlobalWindow(new byte[0]));
          done = true;
        }
        return Status.END_OF_INPUT;
      }

      @Override
      public Object position() {
        return done;
      }
    };
  }
}
