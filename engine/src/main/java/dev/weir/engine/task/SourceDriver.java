package dev.weir.engine.task;

import dev.weir.engine.exchange.ExchangeEvent;
import dev.weir.engine.exchange.RecordWriter;
import dev.weir.engine.operator.Output;
import dev.weir.engine.source.SourceContext;
import dev.weir.engine.source.SourceOutput;
import dev.weir.engine.source.SourceReader;
import dev.weir.engine.time.Watermarks;
import java.util.List;

/**
 * Drives a source task's reader: asks it for records in batches, between which the task runs its
 * mails, and connects it to the operators and edges after it: records go to the source vertex's
 * outputs, watermarks through the source's host, idleness to every edge of the task. Task thread
 * only, except {@link #halt()} and {@link #resume()}.
 */
final class SourceDriver implements SourceOutput<Object>, InputProcessor {

  /** Records asked of the reader per call, before the task looks at its mails again. */
  private static final int BATCH = 64;

  /** How often a reader that had nothing is asked again: readers do not wake the task. */
  private static final long POLL_NANOS = 1_000_000L;

  /**
   * How long one call reads at most before the task looks at its mailbox again: a reader whose
   * calls wait for input (a trickle from Kafka, say) would otherwise keep barriers and timers
   * waiting for {@code BATCH} full batches.
   */
  private static final long READ_BUDGET_NANOS = 2_000_000L;

  private final SourceReader<Object> reader;
  private final OperatorHost host;
  private final List<RecordWriter<Object>> writers;
  private Output<Object> output;
  private boolean idle;
  private long pendingWatermark = Long.MIN_VALUE;
  private boolean watermarkPending;
  private boolean ended;

  /** Set at a stop-with-savepoint barrier: the reader is asked for nothing (until resumed). */
  private volatile boolean halted;

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
  public InputStatus processInput() throws Exception {
    if (halted) {
      return InputStatus.PAUSED;
    }
    SourceReader.Status status = SourceReader.Status.MORE_AVAILABLE;
    long start = System.nanoTime();
    for (int i = 0; i < BATCH && status == SourceReader.Status.MORE_AVAILABLE; i++) {
      status = reader.emitNext(this);
      if (System.nanoTime() - start > READ_BUDGET_NANOS) {
        break;
      }
    }
    flushWatermark();
    switch (status) {
      case END_OF_INPUT:
        ended = true;
        emitWatermark(Watermarks.MAX);
        flushWatermark();
        return InputStatus.END_OF_INPUT;
      case NOTHING_AVAILABLE:
        return InputStatus.NOTHING_AVAILABLE;
      default:
        return InputStatus.MORE_AVAILABLE;
    }
  }

  @Override
  public long maxIdleWaitNanos() {
    return POLL_NANOS;
  }

  /** Whether the reader reported the end of its input. */
  boolean ended() {
    return ended;
  }

  /** The reader is asked for nothing more (a stop-with-savepoint barrier passed). Any thread. */
  void halt() {
    halted = true;
  }

  /** A stop-with-savepoint failed: the reader is asked for records again. Any thread. */
  void resume() {
    halted = false;
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
