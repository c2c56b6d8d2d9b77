package dev.weir.engine.operator;

import dev.weir.state.KeyedStateBackend;
import dev.weir.state.StateSpec;

/** What the engine gives an operator when it opens: outputs, state, timers, and who it is. */
public interface OperatorContext<OUT> {

  String operatorName();

  int subtaskIndex();

  int parallelism();

  /** The main output. */
  Output<OUT> output();

  /** Side output {@code index} (0 is the main output); records go to the edges taken from it. */
  <T> Output<T> output(int index);

  /**
   * Emits a watermark on every output. Operators forward their input watermark from {@link
   * Operator#processWatermark}, or a smaller one while they hold results back. Watermarks that do
   * not advance are dropped.
   */
  void emitWatermark(long watermark);

  /**
   * Moves the operator's event time up to its input watermark as far as {@link
   * Operator#inputWatermarkHold()} now allows, firing timers and calling {@link
   * Operator#processWatermark} as a new watermark would.
   */
  void advanceEventTime() throws Exception;

  /** The operator's input watermark: the last one passed to {@link Operator#processWatermark}. */
  long currentInputWatermark();

  /** Whether the operator is keyed (it consumes a HASH edge) and so has keyed state and timers. */
  boolean isKeyed();

  /** The key of the record or timer being processed; only for keyed operators. */
  Object currentKey();

  /** Keyed state, scoped to the current key; only for keyed operators. */
  <N, S> S state(StateSpec<N, S> spec);

  KeyedStateBackend<Object> keyedStateBackend();

  /** Timers, scoped to the current key; only for keyed operators. */
  TimerService timerService();

  /**
   * Runs {@code action} in the task's thread once the wall clock reaches {@code timeMillis}; for
   * operators that need time-based work without keys (flushing a bundle, say).
   */
  void scheduleAt(long timeMillis, ThrowingRunnable action);

  /**
   * Lets the task run what waits for it (checkpoint triggers and notifications, due processing-time
   * actions, buffer flushes) in the middle of long work of the operator, for instance while {@code
   * finish()} drains pending work. The operator must be in a consistent state: a checkpoint may be
   * taken during the call.
   */
  default void yieldToTask() throws Exception {}

  /**
   * Waits until the task's clock reaches {@code timeMillis}, running what waits for the task
   * meanwhile (as {@link #yieldToTask()}, so due processing-time timers fire); for an operator that
   * must finish work scheduled for later, in {@code finish()}. Returns true when the clock got
   * there; false at once when the clock is manual (moved only by a source or harness, it would
   * never get there after the input ended). A cancelled task stops waiting with an exception.
   */
  default boolean awaitProcessingTime(long timeMillis) throws Exception {
    yieldToTask();
    return false;
  }

  /** The task's clock, milliseconds since the epoch. */
  long currentProcessingTime();

  /** An action run in the task's thread. */
  @FunctionalInterface
  interface ThrowingRunnable {
    void run() throws Exception;
  }
}
