package dev.weir.state.heap;

import dev.weir.state.ListState;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

final class HeapListState<K, N, E> implements ListState<N, E> {

  private final HeapKeyedStateBackend<K> backend;
  private final StateTable<K, N, ArrayList<E>> table;

  HeapListState(HeapKeyedStateBackend<K> backend, StateTable<K, N, ArrayList<E>> table) {
    this.backend = backend;
    this.table = table;
  }

  /** The list to change in place, made if there is none. */
  private ArrayList<E> listForUpdate(N namespace) {
    int keyGroup = backend.currentKeyGroup();
    K key = backend.currentKey();
    ArrayList<E> list = table.get(keyGroup, key, namespace);
    if (list == null) {
      list = new ArrayList<>(4);
      table.put(keyGroup, key, namespace, list);
    }
    return list;
  }

  @Override
  public List<E> get(N namespace) {
    ArrayList<E> list = table.get(backend.currentKeyGroup(), backend.currentKey(), namespace);
    return list == null ? Collections.emptyList() : Collections.unmodifiableList(list);
  }

  @Override
  public void add(N namespace, E element) {
    listForUpdate(namespace).add(element);
  }

  @Override
  public void addAll(N namespace, List<? extends E> elements) {
    if (!elements.isEmpty()) {
      listForUpdate(namespace).addAll(elements);
    }
  }

  @Override
  public void update(N namespace, List<? extends E> elements) {
    if (elements.isEmpty()) {
      clear(namespace);
    } else {
      table.put(
          backend.currentKeyGroup(), backend.currentKey(), namespace, new ArrayList<>(elements));
    }
  }

  @Override
  public boolean isEmpty(N namespace) {
    ArrayList<E> list = table.peek(backend.currentKeyGroup(), backend.currentKey(), namespace);
    return list == null || list.isEmpty();
  }

  @Override
  public void clear(N namespace) {
    table.remove(backend.currentKeyGroup(), backend.currentKey(), namespace);
  }
}
