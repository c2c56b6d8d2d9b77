package dev.weir.engine.checkpoint;

import java.util.function.Consumer;

/**
 * Hooks where tests inject failures into a running job at the moments that are hardest to get
 * right: while a task aligns barriers and while a snapshot is being written. An exception thrown
 * from a hook fails the task (not only the checkpoint), as a crash at that moment would.
 */
public interface FaultInjector {

  FaultInjector NONE = new FaultInjector() {};

  /**
   * A task of the job (of its current deployment) started running; {@code fail} fails it from any
   * thread, as a crash of its code would.
   */
  default void taskRunning(String task, Consumer<Throwable> fail) {}

  /** In the task's thread, when the first barrier of checkpoint {@code checkpointId} arrived. */
  default void alignmentStarted(String task, long checkpointId) throws Exception {}

  /** On the writer thread, before task {@code task} writes its state for {@code checkpointId}. */
  default void asyncSnapshot(String task, long checkpointId) throws Exception {}
}
