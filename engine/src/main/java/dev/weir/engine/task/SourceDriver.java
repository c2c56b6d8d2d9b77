package dev.weir.engine.task;

import dev.weir.engine.exchange.ExchangeEvent;
import dev.weir.engine.exchange.RecordWriter;
import dev.weir.engine.operator.Output;
import dev.weir.engine.source.SourceContext;
import dev.weir.engine.source.SourceOutput;
import dev.weir.engine.source.SourceReader;
import java.util.List;

/**
 * Connects a source reader to the operators and edges after it: records go to the source vertex's
 * outputs, watermarks through the source's host, idleness to every edge of the task.
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

  void open(SourceContext context) throws Exception {
    output = host.output();
    reader.open(context);
  }

  @Override
  public void emit(Object record) {
    if (idle) {
      setIdle(false);
    }
    if (watermarkPending) {
      // A record after a watermark stays after it: it may be late data and must look late
      // downstream.
      flushWatermarkUnchecked();
    }
    output.emit(record);
  }

  private void flushWatermarkUnchecked() {
    try {
      flushWatermark();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new UserCodeException(e);
    }
  }

  /**
   * Remembers the watermark; it is forwarded before the next record or after the reader's batch,
   * whichever comes first. Consecutive watermarks thus cost one event, and records keep their order
   * relative to watermarks.
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
      flushWatermarkUnchecked(); // behind IDLE it would wake the channel up again downstream
      setIdle(true);
    }
  }

  private void setIdle(boolean idle) {
    this.idle = idle;
    ExchangeEvent status =
        idle ? ExchangeEvent.WatermarkStatus.IDLE : ExchangeEvent.WatermarkStatus.ACTIVE;
    for (RecordWriter<Object> w : writers) {
      w.broadcastEvent(status);
    }
  }
}
