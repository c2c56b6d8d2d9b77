package dev.weir.engine.task;

import dev.weir.engine.exchange.ExchangeEvent;
import dev.weir.engine.exchange.FlushDeadline;
import dev.weir.engine.exchange.RecordWriter;
import java.util.List;

/**
 * The record writers of a running task and their shared buffer timeout: whether every output has
 * room, flushing partly filled buffers when their timeout expires (or at once), and what goes to
 * every writer. Task thread only.
 */
final class TaskOutputs {

  private final RecordWriter<Object>[] writers;
  private final FlushDeadline flushDeadline;

  @SuppressWarnings("unchecked")
  TaskOutputs(List<RecordWriter<Object>> writers, FlushDeadline flushDeadline) {
    this.writers = writers.toArray(new RecordWriter[0]);
    this.flushDeadline = flushDeadline;
  }

  RecordWriter<Object>[] writers() {
    return writers;
  }

  /** Whether every writer can take a record without waiting for a buffer. */
  boolean available() {
    for (RecordWriter<Object> w : writers) {
      if (!w.isAvailable()) {
        return false;
      }
    }
    return true;
  }

  /** Sends what waits for its buffer timeout, if the timeout expired. */
  void flushIfDue() {
    long deadline = flushDeadline.get();
    if (deadline != FlushDeadline.NONE && System.nanoTime() - deadline >= 0) {
      flushAll();
    }
  }

  /** Sends what waits for its buffer timeout now. */
  void flushNow() {
    if (flushDeadline.get() != FlushDeadline.NONE) {
      flushAll();
    }
  }

  private void flushAll() {
    flushDeadline.reset();
    for (RecordWriter<Object> w : writers) {
      w.flushAll();
    }
  }

  void emitWatermark(long watermark) {
    for (RecordWriter<Object> w : writers) {
      w.emitWatermark(watermark);
    }
  }

  void broadcastEvent(ExchangeEvent event) {
    for (RecordWriter<Object> w : writers) {
      w.broadcastEvent(event);
    }
  }
}
