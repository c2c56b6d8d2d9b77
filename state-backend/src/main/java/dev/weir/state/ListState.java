package dev.weir.state;

import java.util.List;

/**
 * A bag of elements per key and namespace, kept in insertion order. Ownership as for {@link
 * ValueState}: elements read belong to the caller, elements added belong to the state.
 */
public interface ListState<N, E> {

  /**
   * The elements, possibly a live unmodifiable view (valid until the state is next changed); empty
   * (never {@code null}) when there are none.
   */
  List<E> get(N namespace);

  void add(N namespace, E element);

  void addAll(N namespace, List<? extends E> elements);

  /** Replaces the elements. */
  void update(N namespace, List<? extends E> elements);

  boolean isEmpty(N namespace);

  void clear(N namespace);
}
