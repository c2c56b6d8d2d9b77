package dev.weir.engine.operator;

/** Which clock a timer follows. */
public enum TimeDomain {
  /** Fires when the operator's input watermark reaches the timer's timestamp. */
  EVENT_TIME,
  /** Fires when the wall clock (milliseconds since the epoch) reaches the timer's timestamp. */
  PROCESSING_TIME
}
