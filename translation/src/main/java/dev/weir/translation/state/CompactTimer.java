package dev.weir.translation.state;

import org.apache.beam.runners.core.TimerInternals.TimerData;
import org.apache.beam.sdk.values.CausedByDrain;
import org.joda.time.Instant;

/**
 * A pending Beam timer whose output timestamp is its own time (Beam's default, so most timers), as
 * the engine keeps it per key: its shared identity and its time. A third of the memory of a {@link
 * TimerData} with its two instants, which a job with a timer for each of a million keys kept all
 * along; the TimerData is made when the timer fires.
 */
final class CompactTimer {

  final TimerIdentity identity;

  /** The Beam timestamp, in milliseconds (also the output timestamp). */
  final long timestamp;

  CompactTimer(TimerIdentity identity, long timestamp) {
    this.identity = identity;
    this.timestamp = timestamp;
  }

  TimerData toTimerData() {
    Instant time = new Instant(timestamp);
    return TimerData.of(
        identity.timerId(),
        identity.timerFamilyId(),
        identity.namespace(),
        time,
        time,
        identity.domain());
  }

  /**
   * Whether {@code timer} is fully described by its identity and time: not deleted, not caused by a
   * drain, its output timestamp its own time.
   */
  static boolean canHold(TimerData timer) {
    Instant output = timer.getOutputTimestamp();
    return output != null
        && output.getMillis() == timer.getTimestamp().getMillis()
        && !timer.getDeleted()
        && timer.causedByDrain() == CausedByDrain.NORMAL;
  }

  @Override
  public String toString() {
    return "CompactTimer{" + identity + " at " + timestamp + "}";
  }
}
