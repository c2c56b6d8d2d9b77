package dev.weir.engine.task;

import dev.weir.engine.exchange.BufferOrEvent;
import dev.weir.engine.exchange.ExchangeEvent;
import dev.weir.engine.exchange.InputGate;
import dev.weir.engine.exchange.NetworkBuffer;
import dev.weir.engine.exchange.RecordDeserializer;
import dev.weir.engine.graph.KeySelector;

/**
 * Reads a task's input gate: records of a buffer go to the head operator (keyed on HASH edges),
 * watermarks and idleness to the watermark valves, barriers to the aligner, ends of input to all
 * three. One buffer or event per call, so mails run between buffers. Task thread only.
 */
final class NetworkInputProcessor implements InputProcessor, BufferOrEvent.Handler {

  private static final long MAX_IDLE_WAIT_NANOS = 50_000_000L;

  /** Records of a keyed input whose state is hinted at once (see {@link #processKeyed}). */
  private static final int BATCH = 32;

  private final Object[] batchRecords = new Object[BATCH];
  private final Object[] batchKeys = new Object[BATCH];

  private final String taskName;
  private final InputGate gate;
  private final InputChannelBinding[] bindings;
  private final OperatorHost head;
  private final InputWatermarks watermarks;

  /** Null for a task that takes no part in checkpoints. */
  private final TaskCheckpointing checkpointing;

  NetworkInputProcessor(
      String taskName,
      InputGate gate,
      InputChannelBinding[] bindings,
      OperatorHost head,
      InputWatermarks watermarks,
      TaskCheckpointing checkpointing) {
    this.taskName = taskName;
    this.gate = gate;
    this.bindings = bindings;
    this.head = head;
    this.watermarks = watermarks;
    this.checkpointing = checkpointing;
  }

  @Override
  public InputStatus processInput() throws Exception {
    if (gate.isFinished()) {
      return InputStatus.END_OF_INPUT;
    }
    BufferOrEvent next = gate.pollNext();
    if (next == null) {
      return InputStatus.NOTHING_AVAILABLE;
    }
    next.deliverTo(this, gate.lastChannel());
    return gate.isFinished() ? InputStatus.END_OF_INPUT : InputStatus.MORE_AVAILABLE;
  }

  @Override
  public long maxIdleWaitNanos() {
    return MAX_IDLE_WAIT_NANOS;
  }

  @Override
  public void onBuffer(int channel, NetworkBuffer buffer) throws Exception {
    InputChannelBinding binding = bindings[channel];
    RecordDeserializer<Object> deserializer = binding.deserializer();
    KeySelector<Object, Object> keys = binding.keySelector();
    int input = binding.input();
    deserializer.setBuffer(buffer);
    try {
      if (keys != null) {
        processKeyed(channel, deserializer, keys, input);
        return;
      }
      Object record;
      while ((record = deserializer.next()) != null) {
        if (record == RecordDeserializer.WATERMARK) {
          watermarks.onWatermark(channel, deserializer.watermark());
        } else {
          head.processElement(input, record);
        }
      }
    } finally {
      gate.channel(channel).consumed(buffer);
    }
  }

  /**
   * Records of a keyed input, in batches of up to {@link #BATCH} (cut at watermarks): the batch's
   * keys go to the state backend as a prefetch hint, then its records are processed in order. With
   * many keys each record's state is a cache miss; hinted together, the misses overlap.
   */
  private void processKeyed(
      int channel,
      RecordDeserializer<Object> deserializer,
      KeySelector<Object, Object> keys,
      int input)
      throws Exception {
    Object[] records = batchRecords;
    Object[] batchKeys = this.batchKeys;
    while (true) {
      int n = 0;
      Object record = null;
      while (n < BATCH
          && (record = deserializer.next()) != null
          && record != RecordDeserializer.WATERMARK) {
        records[n] = record;
        batchKeys[n] = keys.getKey(record);
        n++;
      }
      if (n > 0) {
        head.prefetchState(batchKeys, n);
        for (int i = 0; i < n; i++) {
          head.setCurrentKey(batchKeys[i]);
          Object r = records[i];
          records[i] = null;
          batchKeys[i] = null;
          head.processElement(input, r);
        }
      }
      if (record == null) {
        return;
      }
      if (record == RecordDeserializer.WATERMARK) {
        watermarks.onWatermark(channel, deserializer.watermark());
      }
    }
  }

  @Override
  public void onWatermark(int channel, ExchangeEvent.Watermark watermark) throws Exception {
    watermarks.onWatermark(channel, watermark.timestamp());
  }

  @Override
  public void onWatermarkStatus(int channel, ExchangeEvent.WatermarkStatus status)
      throws Exception {
    if (status.idle()) {
      watermarks.onIdle(channel);
    } else {
      watermarks.onActive(channel);
    }
  }

  @Override
  public void onEndOfInput(int channel) throws Exception {
    if (bindings[channel].deserializer().hasPartialRecord()) {
      throw new IllegalStateException(
          "channel "
              + channel
              + " ended in the middle of a record: the producer's data is truncated");
    }
    gate.markEnded(channel);
    watermarks.onEnd(channel);
    if (checkpointing != null) {
      checkpointing.aligner().onChannelEnded(channel);
    }
  }

  @Override
  public void onBarrier(int channel, ExchangeEvent.CheckpointBarrier barrier) throws Exception {
    requireCheckpointing(barrier).aligner().onBarrier(channel, barrier);
  }

  @Override
  public void onCancelCheckpoint(int channel, ExchangeEvent.CancelCheckpoint cancel)
      throws Exception {
    requireCheckpointing(cancel).aligner().onCancel(cancel.checkpointId());
  }

  private TaskCheckpointing requireCheckpointing(ExchangeEvent event) {
    if (checkpointing == null) {
      throw new IllegalStateException(
          event + " reached task " + taskName + ", which takes no part in checkpoints");
    }
    return checkpointing;
  }
}
