package dev.weir.state;

import java.util.List;

/** A bag of elements per key and namespace, kept in insertion order. */
public interface ListState<N, E> {

  /** The elements, possibly a live view; empty (never {@code null}) when there are none. */
  List<E> get(N namespace);

  void add(N namespace, E element);

  void addAll(N namespace, List<? extends E> elements);

  /** Replaces the elements. */
  void update(N namespace, List<? extends E> elements);

  boolean isEmpty(N namespace);

  void clear(N namespace);
}
