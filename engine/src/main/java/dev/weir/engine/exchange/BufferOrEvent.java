package dev.weir.engine.exchange;

/**
 * What an input channel hands out: a buffer of serialized records or an event in line with them.
 * Sealed, so a consumer handles every kind: {@link #deliverTo} calls the one {@link Handler} method
 * that fits, and a new kind of event does not compile until every handler handles it.
 */
public sealed interface BufferOrEvent permits NetworkBuffer, ExchangeEvent {

  /** Calls the method of {@code handler} for this kind, for something read from {@code channel}. */
  void deliverTo(Handler handler, int channel) throws Exception;

  /** Whatever a task reads from its input channels; called on the task's thread. */
  interface Handler {

    /** Records to read; the handler gives the buffer back to its channel once read. */
    void onBuffer(int channel, NetworkBuffer buffer) throws Exception;

    void onWatermark(int channel, ExchangeEvent.Watermark watermark) throws Exception;

    void onWatermarkStatus(int channel, ExchangeEvent.WatermarkStatus status) throws Exception;

    void onEndOfInput(int channel) throws Exception;

    void onBarrier(int channel, ExchangeEvent.CheckpointBarrier barrier) throws Exception;

    void onCancelCheckpoint(int channel, ExchangeEvent.CancelCheckpoint cancel) throws Exception;
  }
}
