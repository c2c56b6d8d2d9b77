package dev.weir.engine.operator;

/**
 * The unit of user logic. One instance per subtask; every method is called from the task's single
 * thread, so an operator needs no locks. Lifecycle: {@link #open} (after state is restored), then
 * records, watermarks and timers interleaved, then {@link #finish} at the end of input (not on
 * cancellation), and {@link #close} always, also after a failure.
 *
 * @param <IN> records of the main input
 * @param <OUT> records of the main output
 */
public interface Operator<IN, OUT> {

  void open(OperatorContext<OUT> context) throws Exception;

  void processElement(IN record) throws Exception;

  /**
   * A record of input {@code input}. Operators with several distinct inputs (side inputs, joins)
   * override this; the default accepts only the main input.
   */
  @SuppressWarnings("unchecked")
  default void processElement(int input, Object record) throws Exception {
    if (input != 0) {
      throw new UnsupportedOperationException(
          getClass().getName() + " has only a main input, but received a record on input " + input);
    }
    processElement((IN) record);
  }

  /**
   * The input watermark advanced. Event-time timers up to it have already fired. The operator must
   * forward it (or a smaller value) with {@link OperatorContext#emitWatermark}.
   */
  void processWatermark(long watermark) throws Exception;

  /**
   * Event time this operator is not ready to move past yet (for example the earliest element it
   * holds back while its side inputs are not ready): timers fire and {@link #processWatermark} is
   * called only up to it. After the hold moves, the operator calls {@link
   * OperatorContext#advanceEventTime()}. {@link Long#MAX_VALUE} means no hold.
   */
  default long inputWatermarkHold() {
    return Long.MAX_VALUE;
  }

  /**
   * The watermark of an input whose edges are {@link
   * dev.weir.engine.graph.JobEdge#excludeFromWatermark() excluded from the operator's event time}
   * advanced (the minimum over that input's channels).
   */
  default void processInputWatermark(int input, long watermark) throws Exception {}

  /**
   * Event time is about to move to {@code watermark}: next, the event-time timers due by then fire
   * and {@link #processWatermark} is called. An operator that defers work on elements within a
   * batch does that work here, while those elements are still on time.
   */
  default void beforeEventTime(long watermark) throws Exception {}

  /** A timer fired; its key is the current key. */
  default void onTimer(Timer timer) throws Exception {
    throw new UnsupportedOperationException(
        getClass().getName() + " registered a timer but does not implement onTimer");
  }

  /**
   * The task found no input waiting and is about to sleep: a natural end for a batch the operator
   * keeps open (a Beam bundle), so what it holds leaves before the task goes quiet. Called often
   * when input trickles in, so it must be cheap when there is nothing open.
   */
  default void onInputIdle() throws Exception {}

  /** All input has been processed (the final watermark came first); emit what is still held. */
  default void finish() throws Exception {}

  /** Releases resources; called once, after finish, cancellation or failure. */
  default void close() throws Exception {}

  /**
   * Snapshot hook: operator state that is not keyed state (keyed state and timers are snapshotted
   * by the engine). Called in the task's thread when a checkpoint barrier has been aligned. {@code
   * null} means nothing to store.
   */
  default byte[] snapshotOperatorState(long checkpointId) throws Exception {
    return null;
  }

  /**
   * Restore hook: called before {@link #open} with what {@link #snapshotOperatorState} returned.
   */
  default void restoreOperatorState(byte[] state) throws Exception {}

  /** A checkpoint that included this operator's state is complete: commit what waited for it. */
  default void notifyCheckpointComplete(long checkpointId) throws Exception {}
}
