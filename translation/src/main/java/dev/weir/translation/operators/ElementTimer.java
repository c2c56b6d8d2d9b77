package dev.weir.translation.operators;

import org.apache.beam.runners.core.StateNamespace;
import org.apache.beam.runners.core.TimerInternals;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The {@link Timer} a {@code @ProcessElement} method gets for one {@code @TimerId}: one instance
 * per timer id, made ready for each element by {@link #forElement} instead of allocated per
 * element.
 *
 * <p>Its semantics are runners-core's element timer's (SimpleDoFnRunner): without an explicit
 * output timestamp an event-time timer outputs at its firing time and a processing-time timer at
 * the element's timestamp; an explicit output timestamp must be no earlier than the element's
 * timestamp minus the DoFn's allowed skew; neither the output timestamp nor an event-time firing
 * time may be after the window's garbage-collection time; {@code setRelative} aligns to the period
 * and offset given and, in event time, stops at the window's garbage-collection time. What the DoFn
 * set with {@code offset}, {@code align} or {@code withOutputTimestamp} applies to the current
 * element only.
 *
 * <p>Task thread only; valid during the {@code @ProcessElement} call that received it.
 */
final class ElementTimer implements Timer {

  private final String timerId;
  private final TimeDomain domain;
  private final TimerInternals timerInternals;
  private final AllowedSkew allowedSkew;
  private final WindowExpiry expiry;

  private BoundedWindow window;
  private StateNamespace namespace;
  private Instant elementTimestamp;
  private Instant target;
  private Instant outputTimestamp;
  private boolean noOutputTimestamp;
  private Duration period = Duration.ZERO;
  private Duration offset = Duration.ZERO;

  ElementTimer(
      String timerId,
      TimeDomain domain,
      TimerInternals timerInternals,
      AllowedSkew allowedSkew,
      WindowExpiry expiry) {
    this.timerId = timerId;
    this.domain = domain;
    this.timerInternals = timerInternals;
    this.allowedSkew = allowedSkew;
    this.expiry = expiry;
  }

  /** Readies this timer for an element in {@code window} (whose namespace is given). */
  ElementTimer forElement(BoundedWindow window, StateNamespace namespace, Instant timestamp) {
    this.window = window;
    this.namespace = namespace;
    this.elementTimestamp = timestamp;
    this.target = null;
    this.outputTimestamp = null;
    this.noOutputTimestamp = false;
    this.period = Duration.ZERO;
    this.offset = Duration.ZERO;
    return this;
  }

  @Override
  public void set(Instant target) {
    this.target = target;
    settleOutputTimestamp();
    timerInternals.setTimer(namespace, timerId, "", target, outputTimestamp, domain);
  }

  @Override
  public void setRelative() {
    Instant now = getCurrentRelativeTime();
    Instant t;
    if (period.getMillis() == 0) {
      t = now.plus(offset);
    } else {
      long sinceAligned = now.plus(offset).getMillis() % period.getMillis();
      t = sinceAligned == 0 ? now : now.plus(period).minus(Duration.millis(sinceAligned));
    }
    if (domain == TimeDomain.EVENT_TIME) {
      long gcTime = expiry.millis(window);
      if (t.getMillis() > gcTime) {
        t = new Instant(gcTime);
      }
    }
    set(t);
  }

  @Override
  public void clear() {
    timerInternals.deleteTimer(namespace, timerId, "", domain);
  }

  @Override
  public Timer offset(Duration offset) {
    this.offset = offset;
    return this;
  }

  @Override
  public Timer align(Duration period) {
    this.period = period;
    return this;
  }

  @Override
  public Timer withOutputTimestamp(Instant outputTimestamp) {
    this.outputTimestamp = outputTimestamp;
    this.noOutputTimestamp = false;
    return this;
  }

  @Override
  public Timer withNoOutputTimestamp() {
    this.outputTimestamp = null;
    this.noOutputTimestamp = true;
    return this;
  }

  @Override
  public Instant getCurrentRelativeTime() {
    return switch (domain) {
      case EVENT_TIME -> timerInternals.currentInputWatermarkTime();
      case PROCESSING_TIME -> timerInternals.currentProcessingTime();
      case SYNCHRONIZED_PROCESSING_TIME -> timerInternals.currentSynchronizedProcessingTime();
    };
  }

  /** Defaults the output timestamp and checks it and the firing time against the window. */
  private void settleOutputTimestamp() {
    if (outputTimestamp != null) {
      checkNotBeforeElement(outputTimestamp);
    } else if (!noOutputTimestamp) {
      outputTimestamp = domain == TimeDomain.EVENT_TIME ? target : elementTimestamp;
    }
    if (outputTimestamp == null) {
      // No output timestamp: the timer holds nothing back.
      outputTimestamp = BoundedWindow.TIMESTAMP_MAX_VALUE.plus(Duration.millis(1));
      return;
    }
    long gcTime = expiry.millis(window);
    String kind = domain == TimeDomain.EVENT_TIME ? "an event-time" : "a processing-time";
    if (outputTimestamp.getMillis() > gcTime) {
      throw new IllegalArgumentException(
          String.format(
              "Attempted to set %s timer with an output timestamp of %s that is after the"
                  + " expiration of window %s",
              kind, outputTimestamp, new Instant(gcTime)));
    }
    if (domain == TimeDomain.EVENT_TIME && target.getMillis() > gcTime) {
      throw new IllegalArgumentException(
          String.format(
              "Attempted to set an event-time timer with a firing timestamp of %s that is after"
                  + " the expiration of window %s",
              target, new Instant(gcTime)));
    }
  }

  private void checkNotBeforeElement(Instant output) {
    if (output.getMillis() < allowedSkew.lowerBound(elementTimestamp.getMillis())
        || output.isAfter(BoundedWindow.TIMESTAMP_MAX_VALUE)) {
      throw new IllegalArgumentException(
          String.format(
              "Cannot output timer with output timestamp %s. Output timestamps must be no earlier"
                  + " than the timestamp of the current input or timer (%s) minus the allowed"
                  + " skew (%s) and no later than %s. See the DoFn#getAllowedTimestampSkew()"
                  + " Javadoc for details on changing the allowed skew.",
              output, elementTimestamp, allowedSkew.describe(), BoundedWindow.TIMESTAMP_MAX_VALUE));
    }
  }
}
