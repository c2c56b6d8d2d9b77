package dev.weir.engine.task;

import dev.weir.engine.exchange.ExchangeEvent;
import dev.weir.engine.exchange.RecordWriter;
import dev.weir.engine.operator.Output;
import dev.weir.engine.source.SourceOutput;
import dev.weir.engine.source.SourceReader;
import java.util.List;

/**
 * Connects a source reader to the operators and edges after it: records go to the source
 * vertex's outputs, watermarks through the source's host, idleness to every edge of the task.
 */
final class SourceDriver implements SourceOutput<Object> {

  private final SourceReader<Object> reader;
  private final OperatorHost host;
  private final List<RecordWriter<Object>> writers;
  private Output<Object> output;
  private boolean idle;
  private long pendingWatermark = Long.MIN_VALUE;
  private boolean watermarkPending;

  SourceDriver(SourceReader<Object> reader, OperatorHost host, List<RecordWriter<Object>> writers) {
    this.reader = reader;
    this.host = host;
    this.writers = writers;
  }

  SourceReader<Object> reader() {
    return reader;
  }

  void open() throws Exception {
    output = host.output();
    reader.open();
  }

  @Override
  public void emit(Object record) {
    if (idle) {
      setIdle(false);
    }
    output.emit(record);
  }

  /**
   * Remembers the watermark; {@link #flushWatermark()} forwards the latest one after the reader's
   * batch. A reader may announce a watermark per record without each one cutting the buffers
   * short, and delaying a watermark behind records is always safe.
   */
  @Override
  public void emitWatermark(long watermark) {
    if (idle) {
      setIdle(false);
    }
    if (watermark > pendingWatermark) {
      pendingWatermark = watermark;
      watermarkPending = true;
    }
  }

  /** Forwards the latest watermark the reader announced, if any is pending. */
  void flushWatermark() throws Exception {
    if (watermarkPending) {
      watermarkPending = false;
      host.processWatermark(pendingWatermark);
    }
  }

  @Override
  public void markIdle() {
    if (!idle) {
      try {
        flushWatermark(); // behind IDLE it would wake the channel up again downstream
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new UserCodeException(e);
      }
      setIdle(true);
    }
  }

  private void setIdle(boolean idle) {
    this.idle = idle;
    ExchangeEvent status = idle ? ExchangeEvent.WatermarkStatus.IDLE : ExchangeEvent.WatermarkStatus.ACTIVE;
    for (RecordWriter<Object> w : writers) {
      w.broadcastEvent(status);
    }
  }
}
