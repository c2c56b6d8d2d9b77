package dev.weir.translation.state;

import dev.weir.state.MapState;
import java.util.Objects;
import org.apache.beam.sdk.state.ReadableState;
import org.apache.beam.sdk.state.WatermarkHoldState;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.joda.time.Instant;

/**
 * Beam's WatermarkHoldState: the hold (millis) in the operator's engine map state of holds
 * (namespace → tag → hold), and in the operator's {@link WatermarkHolds} so its output watermark
 * stays at the earliest hold.
 */
final class BeamWatermarkHoldState implements WatermarkHoldState {

  private final MapState<String, String, Long> holds;
  private final WatermarkHolds tracker;
  private final Object key;
  private final String namespace;
  private final String id;
  private final TimestampCombiner combiner;

  BeamWatermarkHoldState(
      MapState<String, String, Long> holds,
      WatermarkHolds tracker,
      Object key,
      String namespace,
      String id,
      TimestampCombiner combiner) {
    this.holds = holds;
    this.tracker = tracker;
    this.key = key;
    this.namespace = namespace;
    this.id = id;
    this.combiner = combiner;
  }

  /** Identifies a hold across keys in {@link WatermarkHolds}. */
  record HoldId(Object key, String namespace, String id) {}

  @Override
  public TimestampCombiner getTimestampCombiner() {
    return combiner;
  }

  @Override
  public void add(Instant value) {
    Long old = holds.get(namespace, id);
    long combined =
        old == null
            ? value.getMillis()
            : OutputTimestamps.combine(combiner, old, value.getMillis());
    if (old != null && old == combined) {
      return; // the hold stays where it is
    }
    holds.put(namespace, id, combined);
    tracker.set(new HoldId(key, namespace, id), combined);
  }

  @Override
  public Instant read() {
    Long hold = holds.get(namespace, id);
    return hold == null ? null : new Instant(hold.longValue());
  }

  @Override
  public ReadableState<Boolean> isEmpty() {
    return Readables.of(() -> !holds.contains(namespace, id));
  }

  @Override
  public WatermarkHoldState readLater() {
    return this;
  }

  @Override
  public void clear() {
    holds.remove(namespace, id);
    tracker.set(new HoldId(key, namespace, id), null);
  }

  /** Two handles on the same hold are equal (state merging relies on it). */
  @Override
  public boolean equals(Object o) {
    return o instanceof BeamWatermarkHoldState other
        && other.holds == holds
        && other.namespace.equals(namespace)
        && other.id.equals(id)
        && Objects.equals(other.key, key);
  }

  @Override
  public int hashCode() {
    return (namespace.hashCode() * 31 + id.hashCode()) * 31 + Objects.hashCode(key);
  }
}
