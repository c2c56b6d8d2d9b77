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

  /** What slot a timer's namespace takes (see {@link #setTimerSlots}). */
  @FunctionalInterface
  interface TimerSlots {
    Object slotOf(Object namespace);
  }

  /**
   * Keeps one timer per key and slot: registering a timer replaces the key's timer in the slot its
   * namespace takes, in either time domain (Beam's timers, where setting a timer again moves it),
   * and the service itself finds a key's timer by slot, so the operator needs no state to remember
   * them. Set it in {@code open()}, with the namespace serializer: restored timers take their slots
   * once {@code open()} returned.
   */
  void setTimerSlots(TimerSlots slots);

  /**
   * With slots: registers a timer for the current key, replacing the one in its slot; returns the
   * namespace of the replaced timer (also when it was equal, and so stays), or {@code null}.
   */
  Object setTimer(Object namespace, long timestamp, TimeDomain domain);

  /** With slots: deletes the current key's timer in {@code slot}; returns its namespace or null. */
  Object deleteTimerInSlot(Object slot);

  /** Visits every registered timer, restored ones included, in no particular order. */
  void forEachTimer(java.util.function.Consumer<Timer> visitor) throws Exception;

  /**
   * How timer namespaces are written in snapshots; by default Kryo. Set it in {@code open()}:
   * restored timers are read with it once {@code open()} returned. A {@link
   * TimedNamespaceSerializer} is given each timer's time when written.
   */
  void setNamespaceSerializer(TypeSerializer<?> serializer);
}
