package dev.weir.engine.exchange;

import dev.weir.engine.graph.KeySelector;
import dev.weir.state.KeyGroups;

/** Picks the channel of a record on a partitioned edge. One instance per producing subtask. */
public interface ChannelSelector<T> {

  /** The channel for {@code record}, in {@code [0, channels)}. */
  int select(T record) throws Exception;

  /** Whether every record goes to every channel (then {@link #select} is not called). */
  default boolean isBroadcast() {
    return false;
  }

  static <T> ChannelSelector<T> single() {
    return r -> 0;
  }

  static <T> ChannelSelector<T> broadcast() {
    return new ChannelSelector<>() {
      @Override
      public int select(T record) {
        throw new UnsupportedOperationException("broadcast");
      }

      @Override
      public boolean isBroadcast() {
        return true;
      }
    };
  }

  /**
   * Round robin, starting at the producer's own index so producers do not all hit channel 0 first.
   */
  static <T> ChannelSelector<T> rebalance(int channels, int start) {
    return new ChannelSelector<>() {
      private int next = start % channels;

      @Override
      public int select(T record) {
        int c = next;
        next = c + 1 == channels ? 0 : c + 1;
        return c;
      }
    };
  }

  /** By key group of the key, the channel of the subtask that owns that key group. */
  static <T, K> ChannelSelector<T> hash(KeySelector<T, K> keys, int maxParallelism, int channels) {
    return record ->
        KeyGroups.subtaskFor(
            KeyGroups.keyGroupForHash(keys.keyHash(record), maxParallelism),
            maxParallelism,
            channels);
  }
}
