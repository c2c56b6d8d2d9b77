package dev.weir.engine.task;

import dev.weir.engine.checkpoint.SubtaskState;
import dev.weir.engine.operator.Operator;
import dev.weir.engine.operator.OperatorContext;
import dev.weir.engine.operator.Output;
import dev.weir.engine.operator.Timer;
import dev.weir.engine.operator.TimerService;
import dev.weir.engine.time.KeyedTimerService;
import dev.weir.engine.time.ProcessingTimeScheduler;
import dev.weir.engine.time.Watermarks;
import dev.weir.state.KeyedStateBackend;
import dev.weir.state.SnapshotFormat;
import dev.weir.state.StateSpec;
import dev.weir.state.serialization.TypeSerializer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Runs one operator inside a task (or a test harness): gives it its context, its outputs, and, when
 * keyed, its keyed state and timers; fires event-time timers before handing a watermark to the
 * operator.
 */
public final class OperatorHost implements OperatorContext<Object> {

  private final String name;
  private final int subtaskIndex;
  private final int parallelism;
  private final Operator<Object, Object> operator;
  private final ProcessingTimeScheduler scheduler;
  private final KeyedStateBackend<Object> keyedState;
  private final KeyedTimerService timers;
  private final List<List<Output<Object>>> outputsByIndex = new ArrayList<>();
  private final List<WatermarkTarget> watermarkTargets = new ArrayList<>();
  private Output<Object>[] outputs;
  private WatermarkTarget[] watermarkTargetArray;
  private long inputWatermark = Watermarks.MIN;

  /** The latest watermark of the input, which the operator's hold may keep event time behind. */
  private long arrivedWatermark = Watermarks.MIN;

  private long outputWatermark = Watermarks.MIN;

  @SuppressWarnings("unchecked")
  public OperatorHost(
      String name,
      int subtaskIndex,
      int parallelism,
      Operator<?, ?> operator,
      ProcessingTimeScheduler scheduler,
      KeyedStateBackend<?> keyedState) {
    this.name = name;
    this.subtaskIndex = subtaskIndex;
    this.parallelism = parallelism;
    this.operator = (Operator<Object, Object>) operator;
    this.scheduler = scheduler;
    this.keyedState = (KeyedStateBackend<Object>) keyedState;
    this.timers =
        keyedState == null ? null : new KeyedTimerService(this.keyedState, scheduler, this::fire);
  }

  /** Connects output {@code index} to a consumer; call before {@link #open()}. */
  public void addOutput(int index, Output<Object> output) {
    while (outputsByIndex.size() <= index) {
      outputsByIndex.add(new ArrayList<>());
    }
    outputsByIndex.get(index).add(output);
    if (output instanceof WatermarkTarget w) {
      watermarkTargets.add(w);
    }
  }

  /** Connects a consumer that sees watermarks but no records (test harnesses). */
  public void addWatermarkListener(LongConsumer listener) {
    watermarkTargets.add(listener::accept);
  }

  /** Connects the downstream chained operator {@code target} to output {@code index}. */
  public void chainTo(int index, OperatorHost target, int targetInput) {
    addOutput(index, new ChainedOutput(target, targetInput));
  }

  /**
   * Like {@link #chainTo}, but the first record and every {@code every}-th after it are serialized
   * with {@code serializer} first (the bytes dropped): one that cannot be encoded fails the task,
   * naming {@code edge}.
   */
  public void chainEncodingTo(
      int index,
      OperatorHost target,
      int targetInput,
      TypeSerializer<?> serializer,
      int every,
      String edge) {
    addOutput(index, new EncodingChainedOutput(target, targetInput, serializer, every, edge));
  }

  @SuppressWarnings("unchecked")
  public void open() throws Exception {
    outputs = new Output[outputsByIndex.size()];
    for (int i = 0; i < outputs.length; i++) {
      outputs[i] = FanOutOutput.of(outputsByIndex.get(i));
    }
    watermarkTargetArray = watermarkTargets.toArray(new WatermarkTarget[0]);
    operator.open(this);
    if (timers != null) {
      timers.completeRestore();
    }
  }

  public void processElement(int input, Object record) throws Exception {
    operator.processElement(input, record);
  }

  /** Hints that records of {@code keys[0 .. count)} come next (see KeyedStateBackend#prefetch). */
  public void prefetchState(Object[] keys, int count) {
    keyedState.prefetch(keys, count);
  }

  /** Makes {@code key} current for the next record; only for keyed operators. */
  public void setCurrentKey(Object key) {
    keyedState.setCurrentKey(key);
  }

  public void processWatermark(long watermark) throws Exception {
    if (watermark > arrivedWatermark) {
      arrivedWatermark = watermark;
    }
    advanceEventTime();
  }

  @Override
  public void advanceEventTime() throws Exception {
    long watermark = Math.min(arrivedWatermark, operator.inputWatermarkHold());
    if (watermark <= inputWatermark) {
      return;
    }
    operator.beforeEventTime(watermark);
    inputWatermark = watermark;
    if (timers != null) {
      timers.advanceWatermark(watermark);
    }
    operator.processWatermark(watermark);
  }

  public void processInputWatermark(int input, long watermark) throws Exception {
    operator.processInputWatermark(input, watermark);
  }

  public void finish() throws Exception {
    operator.finish();
  }

  void onInputIdle() throws Exception {
    operator.onInputIdle();
  }

  public void close() throws Exception {
    try {
      operator.close();
    } finally {
      if (keyedState != null) {
        keyedState.close();
      }
    }
  }

  /**
   * Releases the keyed state of an operator that was never opened (its deployment failed): a
   * RocksDB instance holds native memory, files and a folder until it is closed.
   */
  void discard() {
    if (keyedState != null) {
      keyedState.close();
    }
  }

  private void fire(Timer timer) throws Exception {
    operator.onTimer(timer);
  }

  public Operator<Object, Object> operator() {
    return operator;
  }

  public KeyedTimerService timers() {
    return timers;
  }

  /** The keyed state backend, or {@code null} for an operator that is not keyed. */
  public KeyedStateBackend<Object> keyedStateOrNull() {
    return keyedState;
  }

  /**
   * Restores this subtask from the states the operator's subtasks stored in a checkpoint (at any
   * parallelism): keyed state and timers of the key groups this subtask owns, and the operator
   * state of the subtasks dealt to this one (its own at equal parallelism, round robin otherwise).
   * Call before {@link #open()}.
   */
  public void restore(List<SubtaskState> states) throws Exception {
    List<SnapshotFormat.Source> keyed = new ArrayList<>();
    List<byte[]> timerSnapshots = new ArrayList<>();
    for (SubtaskState s : states) {
      if (s.keyedState() != null) {
        keyed.add(s.keyedState());
      }
      if (s.timers() != null) {
        timerSnapshots.add(s.timers());
      }
    }
    if (keyedState != null) {
      keyedState.restoreFrom(keyed);
      timers.restore(timerSnapshots);
    } else if (!keyed.isEmpty()) {
      throw new IllegalStateException(
          this
              + " was restored with keyed state, but it is not keyed now; "
              + "a vertex must keep its HASH input to keep its keyed state");
    }
    for (SubtaskState s : assignedTo(states, subtaskIndex, parallelism)) {
      if (s.operatorState() != null) {
        operator.restoreOperatorState(s.operatorState());
      }
    }
  }

  /** The stored subtask states that subtask {@code subtask} of {@code parallelism} takes over. */
  public static List<SubtaskState> assignedTo(
      List<SubtaskState> states, int subtask, int parallelism) {
    List<SubtaskState> mine = new ArrayList<>();
    for (SubtaskState s : states) {
      if (s.subtaskIndex() % parallelism == subtask) {
        mine.add(s);
      }
    }
    return mine;
  }

  // ---- OperatorContext ----

  @Override
  public String operatorName() {
    return name;
  }

  @Override
  public int subtaskIndex() {
    return subtaskIndex;
  }

  @Override
  public int parallelism() {
    return parallelism;
  }

  @Override
  public Output<Object> output() {
    return output(0);
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> Output<T> output(int index) {
    if (outputs == null) {
      throw new IllegalStateException("outputs are available from open() on");
    }
    if (index < 0 || index >= outputs.length) {
      return record -> {}; // an output nothing consumes
    }
    return (Output<T>) outputs[index];
  }

  @Override
  public void emitWatermark(long watermark) {
    if (watermark <= outputWatermark) {
      return;
    }
    outputWatermark = watermark;
    for (WatermarkTarget t : watermarkTargetArray) {
      try {
        t.processWatermark(watermark);
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new UserCodeException(e);
      }
    }
  }

  @Override
  public long currentInputWatermark() {
    return inputWatermark;
  }

  @Override
  public boolean isKeyed() {
    return keyedState != null;
  }

  @Override
  public Object currentKey() {
    return requireKeyed("keys").currentKey();
  }

  @Override
  public <N, S> S state(StateSpec<N, S> spec) {
    return requireKeyed("keyed state").state(spec);
  }

  @Override
  public KeyedStateBackend<Object> keyedStateBackend() {
    return requireKeyed("keyed state");
  }

  @Override
  public TimerService timerService() {
    requireKeyed("timers");
    return timers;
  }

  private KeyedStateBackend<Object> requireKeyed(String what) {
    if (keyedState == null) {
      throw new IllegalStateException(
          "operator '"
              + name
              + "' has no "
              + what
              + ": only an operator that consumes a HASH edge is keyed; connect its input with JobEdge.hash(keySelector)");
    }
    return keyedState;
  }

  @Override
  public void scheduleAt(long timeMillis, ThrowingRunnable action) {
    scheduler.scheduleAt(timeMillis, action::run);
  }

  @Override
  public long currentProcessingTime() {
    return scheduler.currentTimeMillis();
  }

  private ThrowingRunnable taskYield = () -> {};

  /** What {@link #awaitProcessingTime} runs: the task's wait. */
  public interface TaskWait {
    boolean awaitProcessingTime(long timeMillis) throws Exception;
  }

  private TaskWait taskWait =
      timeMillis -> {
        taskYield.run();
        return false;
      };

  public void setTaskWait(TaskWait wait) {
    this.taskWait = wait;
  }

  @Override
  public boolean awaitProcessingTime(long timeMillis) throws Exception {
    return taskWait.awaitProcessingTime(timeMillis);
  }

  /** What {@link #yieldToTask()} runs: the task's pending work. */
  public void setTaskYield(ThrowingRunnable yield) {
    this.taskYield = yield;
  }

  @Override
  public void yieldToTask() throws Exception {
    taskYield.run();
  }

  @Override
  public String toString() {
    return "operator '" + name + "' (" + (subtaskIndex + 1) + "/" + parallelism + ")";
  }
}
