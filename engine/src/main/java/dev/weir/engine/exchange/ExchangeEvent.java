package dev.weir.engine.exchange;

/**
 * A control event that travels in line with the records of a channel: it reaches the consumer after
 * every record sent before it and before every record sent after it.
 */
public sealed interface ExchangeEvent extends BufferOrEvent
    permits ExchangeEvent.Watermark,
        ExchangeEvent.WatermarkStatus,
        ExchangeEvent.EndOfInput,
        ExchangeEvent.CheckpointBarrier,
        ExchangeEvent.CancelCheckpoint {

  /** Event time on this channel has reached {@code timestamp}. */
  record Watermark(long timestamp) implements ExchangeEvent {
    @Override
    public void deliverTo(Handler handler, int channel) throws Exception {
      handler.onWatermark(channel, this);
    }
  }

  /** The channel's producer went idle (left out of watermark computations) or active again. */
  record WatermarkStatus(boolean idle) implements ExchangeEvent {
    public static final WatermarkStatus IDLE = new WatermarkStatus(true);
    public static final WatermarkStatus ACTIVE = new WatermarkStatus(false);

    @Override
    public void deliverTo(Handler handler, int channel) throws Exception {
      handler.onWatermarkStatus(channel, this);
    }
  }

  /** The producer sent everything it will send on this channel. */
  final class EndOfInput implements ExchangeEvent {
    public static final EndOfInput INSTANCE = new EndOfInput();

    private EndOfInput() {}

    @Override
    public void deliverTo(Handler handler, int channel) throws Exception {
      handler.onEndOfInput(channel);
    }

    @Override
    public String toString() {
      return "EndOfInput";
    }
  }

  /**
   * Checkpoint {@code checkpointId} passed the producer: everything before it is in the
   * checkpoint's state, everything after it is not. With {@code stopSources} (stop-with-savepoint)
   * sources emit nothing after it, so nothing is processed that a job resumed from it processes
   * again.
   */
  record CheckpointBarrier(
      long checkpointId, long timestamp, boolean savepoint, boolean stopSources)
      implements ExchangeEvent {

    public CheckpointBarrier(long checkpointId, long timestamp, boolean savepoint) {
      this(checkpointId, timestamp, savepoint, false);
    }

    @Override
    public void deliverTo(Handler handler, int channel) throws Exception {
      handler.onBarrier(channel, this);
    }
  }

  /** The producer gave up checkpoint {@code checkpointId}; a consumer aligning it stops waiting. */
  record CancelCheckpoint(long checkpointId) implements ExchangeEvent {
    @Override
    public void deliverTo(Handler handler, int channel) throws Exception {
      handler.onCancelCheckpoint(channel, this);
    }
  }
}
