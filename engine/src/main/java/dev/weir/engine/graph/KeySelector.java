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
}
