package dev.weir.engine.graph;

import dev.weir.engine.operator.Operator;
import java.io.Serializable;

/** Creates one operator instance per subtask. */
@FunctionalInterface
public interface OperatorFactory<IN, OUT> extends Serializable {
  Operator<IN, OUT> create();
}
