package dev.weir.translation.operators;

import dev.weir.engine.operator.AbstractOperator;

/** Forwards every record of every input unchanged: Flatten, and the no-op end of a view. */
public final class PassThroughOperator<T> extends AbstractOperator<T, T> {

  @Override
  public void processElement(T record) {
    output.emit(record);
  }

  @Override
  @SuppressWarnings("unchecked")
  public void processElement(int input, Object record) {
    output.emit((T) record);
  }
}
