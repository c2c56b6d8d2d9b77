package dev.weir.engine.operator;

import dev.weir.state.serialization.TypeSerializer;

/**
 * Timers of a keyed operator, scoped to the current key. Timers fire in timestamp order in the
 * task's thread through {@link Operator#onTimer}, with the timer's key made current.
 */
public interface TimerService {

  /** Registers an event-time timer for the current key; a no-op if the same timer is registered. */
  void registerEventTimeTimer(Object namespace, long timestamp);

  void deleteEventTimeTimer(Object namespace, long timestamp);

  /**
   * Registers a processing-time timer for the current key; a no-op if the same timer is registered.
   */
  void registerProcessingTimeTimer(Object namespace, long timestamp);

  void deleteProcessingTimeTimer(Object namespace, long timestamp);

  /**
   * Fires every pending processing-time timer now, in timestamp order, also those registered while
   * firing, until none is left: for an operator that must not leave work behind when its input ends
   * (a splittable DoFn waiting to resume).
   */
  void fireAllProcessingTimeTimers() throws Exception;

  /** The time of the earliest processing-time timer, or {@link Long#MAX_VALUE} when none is set. */
  long nextProcessingTimeTimer() throws Exception;

  /** Fires the earliest processing-time timer now, whatever its time; false when there is none. */
  boolean fireNextProcessingTimeTimer() throws Exception;

  /** The operator's input watermark ({@link Long#MIN_VALUE} before the first). */
  long currentWatermark();

  /** Milliseconds since the epoch, as the task's clock reads it. */
  long currentProcessingTime();

  /**
   * How timer namespaces are written in snapshots; by default Kryo. Set it in {@code open()}:
   * restored timers are read with it once {@code open()} returned.
   */
  void setNamespaceSerializer(TypeSerializer<?> serializer);
}
