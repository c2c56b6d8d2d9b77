package dev.weir.translation.state;

import org.apache.beam.runners.core.StateNamespace;
import org.apache.beam.sdk.state.TimeDomain;

/**
 * What makes a Beam timer the timer it is, for every key: its namespace, id and family (setting a
 * timer of the same namespace, id and family moves it), and its time domain. One instance is shared
 * by all keys' timers of that identity. {@link #slot} is the engine timer slot it takes.
 */
record TimerIdentity(
    StateNamespace namespace,
    String timerId,
    String timerFamilyId,
    TimeDomain domain,
    String slot) {

  /** The slot of a timer of namespace, id and family, whatever its domain. */
  static String slotOf(String namespaceKey, String timerId, String timerFamilyId) {
    return namespaceKey + '\u0000' + timerFamilyId + '\u0000' + timerId;
  }
}
