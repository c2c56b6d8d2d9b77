package dev.weir.engine.task;

import dev.weir.engine.exchange.ExchangeEvent;
import dev.weir.engine.exchange.RecordWriter;
import dev.weir.engine.time.WatermarkValve;
import java.util.HashMap;
import java.util.Map;

/**
 * Routes each channel's watermarks and idleness to the right valve: the channels of inputs that
 * count for event time share the valve that drives the operator's timers and output watermark; each
 * input excluded from the watermark (a side input) has a valve of its own whose progress the
 * operator receives through {@code processInputWatermark}.
 */
final class InputWatermarks {

  private final WatermarkValve[] valveOfChannel;
  private final int[] indexInValve;

  /**
   * {@code flushPending} runs before an advance of event time reaches the operators: their timers
   * may run long (or sleep), and what was emitted before must not wait behind them.
   */
  InputWatermarks(
      InputChannelBinding[] bindings,
      OperatorHost head,
      RecordWriter<Object>[] writers,
      Runnable flushPending) {
    int channels = bindings.length;
    valveOfChannel = new WatermarkValve[channels];
    indexInValve = new int[channels];
    int mainCount = 0;
    Map<Integer, Integer> countPerExcludedInput = new HashMap<>();
    for (InputChannelBinding b : bindings) {
      if (b.excludedFromWatermark()) {
        countPerExcludedInput.merge(b.input(), 1, Integer::sum);
      } else {
        mainCount++;
      }
    }
    WatermarkValve main =
        new WatermarkValve(
            mainCount,
            new WatermarkValve.Listener() {
              @Override
              public void onWatermark(long watermark) throws Exception {
                flushPending.run();
                head.processWatermark(watermark);
              }

              @Override
              public void onIdleChange(boolean idle) {
                ExchangeEvent status =
                    idle
                        ? ExchangeEvent.WatermarkStatus.IDLE
                        : ExchangeEvent.WatermarkStatus.ACTIVE;
                for (RecordWriter<Object> w : writers) {
                  w.broadcastEvent(status);
                }
              }
            });
    Map<Integer, WatermarkValve> excluded = new HashMap<>();
    countPerExcludedInput.forEach(
        (input, count) ->
            excluded.put(
                input,
                new WatermarkValve(
                    count,
                    new WatermarkValve.Listener() {
                      @Override
                      public void onWatermark(long watermark) throws Exception {
                        head.processInputWatermark(input, watermark);
                      }

                      @Override
                      public void onIdleChange(boolean idle) {}
                    })));
    Map<WatermarkValve, Integer> next = new HashMap<>();
    for (int c = 0; c < channels; c++) {
      WatermarkValve v =
          bindings[c].excludedFromWatermark() ? excluded.get(bindings[c].input()) : main;
      valveOfChannel[c] = v;
      indexInValve[c] = next.merge(v, 1, Integer::sum) - 1;
    }
  }

  void onWatermark(int channel, long watermark) throws Exception {
    valveOfChannel[channel].onWatermark(indexInValve[channel], watermark);
  }

  void onIdle(int channel) throws Exception {
    valveOfChannel[channel].onIdle(indexInValve[channel]);
  }

  void onActive(int channel) throws Exception {
    valveOfChannel[channel].onActive(indexInValve[channel]);
  }

  void onEnd(int channel) throws Exception {
    valveOfChannel[channel].onEnd(indexInValve[channel]);
  }
}
