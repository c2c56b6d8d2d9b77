package dev.weir.engine.operator;

import java.util.Objects;

/**
 * A timer of a keyed operator: a timestamp in one time domain for a key and a namespace (for
 * example a window). Equal timers are registered once. Not final only so that the timer service's
 * queue entry can be the timer itself (one object per pending timer, not two); nothing else extends
 * it.
 */
public class Timer {

  private final long timestamp;
  private final Object key;
  private final Object namespace;
  private final TimeDomain domain;
  private final int keyGroup;

  public Timer(long timestamp, Object key, Object namespace, TimeDomain domain, int keyGroup) {
    this.timestamp = timestamp;
    this.key = key;
    this.namespace = namespace;
    this.domain = domain;
    this.keyGroup = keyGroup;
  }

  public final long timestamp() {
    return timestamp;
  }

  public final Object key() {
    return key;
  }

  public final Object namespace() {
    return namespace;
  }

  public final TimeDomain domain() {
    return domain;
  }

  /** The key group of the key, so timers can be snapshotted and redistributed with keyed state. */
  public final int keyGroup() {
    return keyGroup;
  }

  @Override
  public final boolean equals(Object o) {
    return o instanceof Timer t
        && t.timestamp == timestamp
        && t.domain == domain
        && Objects.equals(t.key, key)
        && Objects.equals(t.namespace, namespace);
  }

  @Override
  public final int hashCode() {
    return (Long.hashCode(timestamp) * 31 + Objects.hashCode(key)) * 31
        + Objects.hashCode(namespace);
  }

  @Override
  public final String toString() {
    return domain + " timer @" + timestamp + " key=" + key + " ns=" + namespace;
  }
}
