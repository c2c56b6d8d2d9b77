package dev.weir.engine.task;

import dev.weir.engine.exchange.RecordWriter;
import dev.weir.engine.operator.Output;

/** Sends records over a non-chained edge through its record writer. */
final class WriterOutput implements Output<Object>, WatermarkTarget {

  private final RecordWriter<Object> writer;

  WriterOutput(RecordWriter<Object> writer) {
    this.writer = writer;
  }

  @Override
  public void emit(Object record) {
    try {
      writer.emit(record);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new UserCodeException(e);
    }
  }

  @Override
  public void processWatermark(long watermark) {
    writer.emitWatermark(watermark);
  }
}
