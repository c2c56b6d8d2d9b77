package dev.weir.engine.graph;

import java.io.Serializable;

/**
 * Extracts the key of a record for a HASH edge and for the keyed state of the consuming operator.
 * Keys must have stable {@code equals}/{@code hashCode} across JVMs (no identity hash codes, no
 * arrays): the key group of a key is computed from its hash code.
 */
@FunctionalInterface
public interface KeySelector<T, K> extends Serializable {
  K getKey(T record) throws Exception;

  /**
   * The hash code of the record's key, {@code getKey(record).hashCode()}: all a HASH edge's sender
   * needs, so a selector may compute it without making the key object. Any thread.
   */
  default int keyHash(T record) throws Exception {
    K key = getKey(record);
    if (key == null) {
      throw new NullPointerException("keys of keyed state and HASH edges must not be null");
    }
    return key.hashCode();
  }
}
