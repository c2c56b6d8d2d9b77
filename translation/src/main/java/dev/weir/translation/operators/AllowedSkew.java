package dev.weir.translation.operators;

import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.joda.time.Duration;
import org.joda.time.format.PeriodFormat;

/**
 * A DoFn's allowed timestamp skew ({@code DoFn#getAllowedTimestampSkew}): how far before its
 * element's timestamp an output, or a timer's output timestamp, may be. Errors name it the way
 * runners-core does, which pipelines (and Beam's own tests) match on.
 */
final class AllowedSkew {

  private final Duration skew;

  AllowedSkew(Duration skew) {
    this.skew = skew;
  }

  /** The earliest output timestamp allowed for an element at {@code elementMillis}. */
  long lowerBound(long elementMillis) {
    try {
      return Math.subtractExact(elementMillis, skew.getMillis());
    } catch (ArithmeticException e) {
      return BoundedWindow.TIMESTAMP_MIN_VALUE.getMillis();
    }
  }

  /** As runners-core prints it: a period in words, or the duration if too large for a period. */
  String describe() {
    return skew.getMillis() >= Integer.MAX_VALUE
        ? skew.toString()
        : PeriodFormat.getDefault().print(skew.toPeriod());
  }
}
