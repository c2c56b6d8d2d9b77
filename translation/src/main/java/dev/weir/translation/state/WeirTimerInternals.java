package dev.weir.translation.state;

import dev.weir.engine.operator.Timer;
import dev.weir.engine.operator.TimerService;
import dev.weir.state.KeyedStateBackend;
import org.apache.beam.runners.core.StateNamespace;
import org.apache.beam.runners.core.TimerInternals;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.CausedByDrain;
import org.joda.time.Instant;

/**
 * Beam timers on the engine's timer service, for the current key. A Beam timer is identified by its
 * namespace, id and family: setting it again moves it. The engine keeps one timer per key and
 * identity (the identity is the timer's slot, {@link TimerService#setTimerSlots}), with the
 * TimerData as the engine timer's namespace, or, when the output timestamp is the timer's time (not
 * deleted, not drain-caused: Beam's default, so most timers), the {@link TimerIdentity} shared by
 * all keys' timers of that identity: the time is the engine timer's (no object per timer, where a
 * TimerData and its instants, later a compact copy, were a large part of a job with a timer per key
 * over a million keys). So no keyed state remembers pending timers: the timers' snapshot holds them
 * all. (Up to session 14 a map state {@code beam-timers} kept them too; a savepoint that has it
 * still restores, its copy is carried along unread.) The engine fires a timer once the watermark
 * (or clock) reaches its time; Beam fires once it has passed it, so timers are registered one
 * millisecond later than their Beam timestamp.
 */
public final class WeirTimerInternals implements TimerInternals {

  private final TimerService timers;
  private final WatermarkHolds timerHolds;
  private final NamespaceKeys namespaceKeys = new NamespaceKeys();
  // The last slot and identity made: usually the same timer of another key comes next, and all
  // keys' timers share them.
  private String lastNamespaceKey;
  private String lastTimerId;
  private String lastTimerFamilyId;
  private String lastSlot;
  private TimerIdentity lastIdentity;
  private final KeyedStateBackend<Object> backend;

  /** Timers of windows of {@code windowCoder}; engine timers carry the TimerData as namespace. */
  public WeirTimerInternals(
      KeyedStateBackend<Object> backend,
      TimerService timers,
      WatermarkHolds timerHolds,
      Coder<? extends BoundedWindow> windowCoder) {
    this.backend = backend;
    this.timers = timers;
    this.timerHolds = timerHolds;
    timers.setNamespaceSerializer(new TimerDataSerializer(windowCoder));
    timers.setTimerSlots(this::slotOf);
  }

  /**
   * Puts the output holds of every key's pending timers into the operator's hold index (after a
   * restore).
   */
  public void rebuildHolds() throws Exception {
    timers.forEachTimer(
        t -> {
          Object timer = t.namespace();
          if (holdsOutput(timer)) {
            timerHolds.set(
                new HoldId(t.key(), slotOf(timer)), outputMillis(timer, beamTime(t.timestamp())));
          }
        });
  }

  /** The Beam timer an engine timer of this class stands for. */
  public static TimerData timerData(Timer engineTimer) {
    if (engineTimer.namespace() instanceof TimerIdentity identity) {
      Instant time = new Instant(beamTime(engineTimer.timestamp()));
      return TimerData.of(
          identity.timerId(),
          identity.timerFamilyId(),
          identity.namespace(),
          time,
          time,
          identity.domain());
    }
    return (TimerData) engineTimer.namespace();
  }

  /**
   * Whether {@code timer} is fully described by its identity and time: not deleted, not caused by a
   * drain, its output timestamp its own time, which is a Beam timestamp.
   */
  static boolean keptAsIdentity(TimerData timer) {
    Instant output = timer.getOutputTimestamp();
    return output != null
        && output.getMillis() == timer.getTimestamp().getMillis()
        && isBeamTime(output.getMillis())
        && !timer.getDeleted()
        && timer.causedByDrain() == CausedByDrain.NORMAL;
  }

  private static boolean isBeamTime(long millis) {
    return millis >= BoundedWindow.TIMESTAMP_MIN_VALUE.getMillis()
        && millis <= BoundedWindow.TIMESTAMP_MAX_VALUE.getMillis();
  }

  private String slotOf(Object engineNamespace) {
    if (engineNamespace instanceof TimerIdentity identity) {
      return identity.slot();
    }
    TimerData timer = (TimerData) engineNamespace;
    return identity(
            timer.getNamespace(), timer.getTimerId(), timer.getTimerFamilyId(), timer.getDomain())
        .slot();
  }

  private TimerIdentity identity(
      StateNamespace namespace, String timerId, String timerFamilyId, TimeDomain domain) {
    String slot = slot(namespace, timerId, timerFamilyId);
    TimerIdentity last = lastIdentity;
    if (last != null && last.slot() == slot && domain == last.domain()) {
      return last;
    }
    lastIdentity =
        new TimerIdentity(namespaceKeys.canonical(namespace), timerId, timerFamilyId, domain, slot);
    return lastIdentity;
  }

  /** The slot of the timer of namespace, id and family; the same string as the last one's. */
  private String slot(StateNamespace namespace, String timerId, String timerFamilyId) {
    String namespaceKey = namespaceKeys.of(namespace);
    if (namespaceKey != lastNamespaceKey
        || !timerId.equals(lastTimerId)
        || !timerFamilyId.equals(lastTimerFamilyId)) {
      lastNamespaceKey = namespaceKey;
      lastTimerId = timerId;
      lastTimerFamilyId = timerFamilyId;
      lastSlot = TimerIdentity.slotOf(namespaceKey, timerId, timerFamilyId);
    }
    return lastSlot;
  }

  @Override
  public void setTimer(
      StateNamespace namespace,
      String timerId,
      String timerFamilyId,
      Instant target,
      Instant outputTimestamp,
      TimeDomain timeDomain) {
    TimerIdentity identity = identity(namespace, timerId, timerFamilyId, timeDomain);
    if (outputTimestamp != null
        && outputTimestamp.getMillis() == target.getMillis()
        && isBeamTime(target.getMillis())) {
      set(identity, target, identity);
    } else {
      // Kept per key until it fires: the namespace instance is shared (a window's namespace
      // object per timer was a tenth of a timer-per-key job's live heap).
      set(
          TimerData.of(
              timerId, timerFamilyId, identity.namespace(), target, outputTimestamp, timeDomain),
          target,
          identity);
    }
  }

  @Override
  public void setTimer(TimerData timer) {
    TimerIdentity identity =
        identity(
            timer.getNamespace(), timer.getTimerId(), timer.getTimerFamilyId(), timer.getDomain());
    set(keptAsIdentity(timer) ? identity : timer, timer.getTimestamp(), identity);
  }

  /** Sets an engine timer carrying {@code timer} (a TimerData or its identity) at target. */
  private void set(Object timer, Instant target, TimerIdentity identity) {
    Object previous =
        timers.setTimer(
            timer,
            engineTime(target),
            identity.domain() == TimeDomain.EVENT_TIME
                ? dev.weir.engine.operator.TimeDomain.EVENT_TIME
                : dev.weir.engine.operator.TimeDomain.PROCESSING_TIME);
    if (holdsOutput(timer)) {
      timerHolds.set(
          new HoldId(backend.currentKey(), identity.slot()),
          outputMillis(timer, target.getMillis()));
    } else if (previous != null && holdsOutput(previous)) {
      timerHolds.set(new HoldId(backend.currentKey(), identity.slot()), null);
    }
  }

  /** The output timestamp of a timer (a TimerData, or an identity due at {@code beamMillis}). */
  private static long outputMillis(Object timer, long beamMillis) {
    return timer instanceof TimerIdentity
        ? beamMillis
        : ((TimerData) timer).getOutputTimestamp().getMillis();
  }

  /** {@link #holdsOutput(TimerData)} for either form an engine timer carries. */
  private static boolean holdsOutput(Object timer) {
    if (timer instanceof TimerIdentity identity) {
      // Its output timestamp is its time: only a processing-time timer holds.
      return identity.domain() != TimeDomain.EVENT_TIME;
    }
    return holdsOutput((TimerData) timer);
  }

  /**
   * Whether the timer's output timestamp must hold the output watermark back. An event-time timer
   * whose output is at its own time needs no hold (Beam's default, so most timers): it is pending
   * only while the input watermark has not passed that time, and the output watermark never passes
   * the input's. Skipping those holds keeps a hold entry per key out of the hold index.
   */
  private static boolean holdsOutput(TimerData timer) {
    Instant output = timer.getOutputTimestamp();
    if (output == null) {
      return false;
    }
    return timer.getDomain() != TimeDomain.EVENT_TIME
        || output.getMillis() < timer.getTimestamp().getMillis();
  }

  private static long engineTime(Instant beamTime) {
    long t = beamTime.getMillis();
    return t == Long.MAX_VALUE ? t : t + 1;
  }

  /** The Beam timestamp of an engine timer's time (the inverse of registering one later). */
  static long beamTime(long engineTime) {
    return engineTime == Long.MAX_VALUE ? engineTime : engineTime - 1;
  }

  /**
   * A timer fired (the engine fires only the timer its slot holds, and took it out of the slot):
   * its hold is released. Returns the Beam timer the engine timer's namespace carried.
   */
  public TimerData onFired(Timer engineTimer) {
    Object namespace = engineTimer.namespace();
    if (holdsOutput(namespace)) {
      timerHolds.set(new HoldId(backend.currentKey(), slotOf(namespace)), null);
    }
    return timerData(engineTimer);
  }

  @Override
  public void deleteTimer(StateNamespace namespace, String timerId, String timerFamilyId) {
    String slot = slot(namespace, timerId, timerFamilyId);
    Object previous = timers.deleteTimerInSlot(slot);
    if (previous != null && holdsOutput(previous)) {
      timerHolds.set(new HoldId(backend.currentKey(), slot), null);
    }
  }

  @Override
  public void deleteTimer(
      StateNamespace namespace, String timerId, String timerFamilyId, TimeDomain timeDomain) {
    deleteTimer(namespace, timerId, timerFamilyId);
  }

  @Override
  public void deleteTimer(TimerData timerKey) {
    deleteTimer(timerKey.getNamespace(), timerKey.getTimerId(), timerKey.getTimerFamilyId());
  }

  @Override
  public Instant currentProcessingTime() {
    return new Instant(timers.currentProcessingTime());
  }

  @Override
  public Instant currentSynchronizedProcessingTime() {
    return currentProcessingTime();
  }

  @Override
  public Instant currentInputWatermarkTime() {
    return beamWatermark(timers.currentWatermark());
  }

  @Override
  public Instant currentOutputWatermarkTime() {
    return null;
  }

  /** {@link #currentInputWatermarkTime} in milliseconds, without an instant. */
  public long inputWatermarkMillis() {
    return Math.max(
        BoundedWindow.TIMESTAMP_MIN_VALUE.getMillis(),
        Math.min(BoundedWindow.TIMESTAMP_MAX_VALUE.getMillis(), timers.currentWatermark()));
  }

  /** The engine's watermark as Beam sees it: clamped to Beam's timestamp range. */
  public static Instant beamWatermark(long engineWatermark) {
    if (engineWatermark >= BoundedWindow.TIMESTAMP_MAX_VALUE.getMillis()) {
      return BoundedWindow.TIMESTAMP_MAX_VALUE;
    }
    if (engineWatermark <= BoundedWindow.TIMESTAMP_MIN_VALUE.getMillis()) {
      return BoundedWindow.TIMESTAMP_MIN_VALUE;
    }
    return new Instant(engineWatermark);
  }

  private record HoldId(Object key, String identity) {}
}
