package dev.weir.translation.state;

import dev.weir.engine.operator.TimerService;
import dev.weir.state.KeyedStateBackend;
import dev.weir.state.MapState;
import dev.weir.state.StateSpec;
import dev.weir.state.serialization.Serializers;
import java.util.Map;
import org.apache.beam.runners.core.StateNamespace;
import org.apache.beam.runners.core.TimerInternals;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.joda.time.Instant;

/**
 * Beam timers on the engine's timer service, for the current key. A Beam timer is identified by its
 * namespace, id and family: setting it again moves it, so the timer set last per identity is kept
 * in keyed state and the earlier one deleted. The engine fires a timer once the watermark (or
 * clock) reaches its time; Beam fires once it has passed it, so timers are registered one
 * millisecond later than their Beam timestamp.
 */
public final class WeirTimerInternals implements TimerInternals {

  private final StateSpec<Void, MapState<Void, String, TimerData>> pendingSpec;
  private final TimerService timers;
  private final MapState<Void, String, TimerData> pending;
  private final WatermarkHolds timerHolds;
  private final NamespaceKeys namespaceKeys = new NamespaceKeys();
  private String lastNamespaceKey;
  private String lastTimerId;
  private String lastTimerFamilyId;
  private String lastIdentity;
  private final KeyedStateBackend<Object> backend;

  /** Timers of windows of {@code windowCoder}; engine timers carry the TimerData as namespace. */
  public WeirTimerInternals(
      KeyedStateBackend<Object> backend,
      TimerService timers,
      WatermarkHolds timerHolds,
      Coder<? extends BoundedWindow> windowCoder) {
    this.backend = backend;
    this.timers = timers;
    TimerDataSerializer serializer = new TimerDataSerializer(windowCoder);
    this.pendingSpec =
        StateSpec.map("beam-timers", Serializers.VOID, Serializers.STRING, serializer);
    this.pending = backend.state(pendingSpec);
    this.timerHolds = timerHolds;
    timers.setNamespaceSerializer(serializer);
  }

  /**
   * Puts the output holds of every key's pending timers into the operator's hold index (after a
   * restore).
   */
  public void rebuildHolds() throws Exception {
    backend.forEachEntry(
        pendingSpec,
        (key, none) -> {
          for (Map.Entry<String, TimerData> e : pending.entries(null)) {
            TimerData timer = e.getValue();
            if (holdsOutput(timer)) {
              timerHolds.set(new HoldId(key, e.getKey()), timer.getOutputTimestamp().getMillis());
            }
          }
        });
  }

  private String identity(StateNamespace namespace, String timerId, String timerFamilyId) {
    String namespaceKey = namespaceKeys.of(namespace);
    if (namespaceKey == lastNamespaceKey
        && timerId.equals(lastTimerId)
        && timerFamilyId.equals(lastTimerFamilyId)) {
      // Usually the same timer of another key: the pending-timer maps of all keys share one
      // string.
      return lastIdentity;
    }
    lastNamespaceKey = namespaceKey;
    lastTimerId = timerId;
    lastTimerFamilyId = timerFamilyId;
    lastIdentity = namespaceKey + '\u0000' + timerFamilyId + '\u0000' + timerId;
    return lastIdentity;
  }

  @Override
  public void setTimer(
      StateNamespace namespace,
      String timerId,
      String timerFamilyId,
      Instant target,
      Instant outputTimestamp,
      TimeDomain timeDomain) {
    // Kept per key until it fires: the namespace instance is shared (a window's namespace object
    // per timer was a tenth of a timer-per-key job's live heap).
    setTimer(
        TimerData.of(
            timerId,
            timerFamilyId,
            namespaceKeys.canonical(namespace),
            target,
            outputTimestamp,
            timeDomain));
  }

  @Override
  public void setTimer(TimerData timer) {
    String identity = identity(timer.getNamespace(), timer.getTimerId(), timer.getTimerFamilyId());
    TimerData previous = pending.get(null, identity);
    if (previous != null) {
      if (previous.equals(timer)) {
        return; // set again as it is (ReduceFnRunner does so for every element): already registered
        // and held
      }
      unregister(previous);
    }
    pending.put(null, identity, timer);
    long at = engineTime(timer.getTimestamp());
    if (timer.getDomain() == TimeDomain.EVENT_TIME) {
      timers.registerEventTimeTimer(timer, at);
    } else {
      timers.registerProcessingTimeTimer(timer, at);
    }
    if (holdsOutput(timer)) {
      timerHolds.set(
          new HoldId(backend.currentKey(), identity), timer.getOutputTimestamp().getMillis());
    } else if (previous != null && holdsOutput(previous)) {
      timerHolds.set(new HoldId(backend.currentKey(), identity), null);
    }
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

  private void unregister(TimerData timer) {
    long at = engineTime(timer.getTimestamp());
    if (timer.getDomain() == TimeDomain.EVENT_TIME) {
      timers.deleteEventTimeTimer(timer, at);
    } else {
      timers.deleteProcessingTimeTimer(timer, at);
    }
  }

  /**
   * A timer fired: it is no longer pending. Returns false when it was replaced or deleted
   * meanwhile.
   */
  public boolean onFired(TimerData timer) {
    String identity = identity(timer.getNamespace(), timer.getTimerId(), timer.getTimerFamilyId());
    TimerData current = pending.get(null, identity);
    if (current == null || !current.equals(timer)) {
      return false;
    }
    pending.remove(null, identity);
    if (holdsOutput(current)) {
      timerHolds.set(new HoldId(backend.currentKey(), identity), null);
    }
    return true;
  }

  @Override
  public void deleteTimer(StateNamespace namespace, String timerId, String timerFamilyId) {
    String identity = identity(namespace, timerId, timerFamilyId);
    TimerData previous = pending.get(null, identity);
    if (previous != null) {
      pending.remove(null, identity);
      unregister(previous);
      if (holdsOutput(previous)) {
        timerHolds.set(new HoldId(backend.currentKey(), identity), null);
      }
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
