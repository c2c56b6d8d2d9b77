package dev.weir.engine.operator;

/**
 * Where an operator emits records: chained operators receive the object itself, other edges
 * serialize it into buffers. Emitting never blocks for long unless the job is back-pressured.
 */
@FunctionalInterface
public interface Output<T> {
  void emit(T record);
}
