package dev.weir.translation.state;

import java.util.function.Supplier;
import org.apache.beam.sdk.state.ReadableState;

/**
 * Beam's ReadableState over a computation: state here is local, so reading later is reading now.
 */
final class Readables {

  private Readables() {}

  static <T> ReadableState<T> of(Supplier<T> read) {
    return new ReadableState<>() {
      @Override
      public T read() {
        return read.get();
      }

      @Override
      public ReadableState<T> readLater() {
        return this;
      }
    };
  }

  static <T> ReadableState<T> immediate(T value) {
    return of(() -> value);
  }
}
