package dev.weir.engine.task;

import dev.weir.engine.operator.Output;
import java.util.List;

/** An output consumed by several edges: each gets the record. */
final class FanOutOutput implements Output<Object> {

  private final Output<Object>[] targets;

  @SuppressWarnings("unchecked")
  FanOutOutput(List<Output<Object>> targets) {
    this.targets = targets.toArray(new Output[0]);
  }

  static Output<Object> of(List<Output<Object>> targets) {
    if (targets.isEmpty()) {
      return record -> {};
    }
    return targets.size() == 1 ? targets.get(0) : new FanOutOutput(targets);
  }

  @Override
  public void emit(Object record) {
    for (Output<Object> t : targets) {
      t.emit(record);
    }
  }
}
