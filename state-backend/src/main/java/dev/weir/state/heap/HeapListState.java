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

  private ArrayList<E> list(N namespace, boolean create) {
    int keyGroup = backend.currentKeyGroup();
    K key = backend.currentKey();
    ArrayList<E> list = create ? table.getForUpdate(keyGroup, key, namespace) : table.get(keyGroup, key, namespace);
    if (list == null && create) {
      list = new ArrayList<>(4);
      table.put(keyGroup, key, namespace, list);
    }
    return list;
  }

  @Override
  public List<E> get(N namespace) {
    ArrayList<E> list = list(namespace, false);
    return list == null ? Collections.emptyList() : Collections.unmodifiableList(list);
  }

  @Override
  public void add(N namespace, E element) {
    list(namespace, true).add(element);
  }

  @Override
  public void addAll(N namespace, List<? extends E> elements) {
    if (!elements.isEmpty()) {
      list(namespace, true).addAll(elements);
    }
  }

  @Override
  public void update(N namespace, List<? extends E> elements) {
    if (elements.isEmpty()) {
      clear(namespace);
    } else {
      table.put(backend.currentKeyGroup(), backend.currentKey(), namespace, new ArrayList<>(elements));
    }
  }

  @Override
  public boolean isEmpty(N namespace) {
    ArrayList<E> list = list(namespace, false);
    return list == null || list.isEmpty();
  }

  @Override
  public void clear(N namespace) {
    table.remove(backend.currentKeyGroup(), backend.currentKey(), namespace);
  }
}
