package dev.weir.engine.time;

/** Watermark constants. */
public final class Watermarks {

  /** Before any watermark: nothing is known about event time yet. */
  public static final long MIN = Long.MIN_VALUE;

  /** The final watermark: event time is complete; sent before the end of a bounded input. */
  public static final long MAX = Long.MAX_VALUE;

  private Watermarks() {}
}
