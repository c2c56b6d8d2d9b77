package dev.weir.engine.testing;

import dev.weir.engine.graph.KeySelector;
import dev.weir.engine.operator.Operator;
import dev.weir.engine.serialization.KryoSerializer;
import dev.weir.engine.task.OperatorHost;
import dev.weir.engine.task.UserCodeException;
import dev.weir.engine.time.KeyedTimerService;
import dev.weir.engine.time.ScheduledActions;
import dev.weir.engine.time.Watermarks;
import dev.weir.state.KeyGroupRange;
import dev.weir.state.KeyedStateBackend;
import dev.weir.state.heap.HeapKeyedStateBackend;
import dev.weir.state.serialization.TypeSerializer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Runs one operator without a cluster, on the same host code a task uses: push records, watermarks
 * and processing time in, read outputs, watermarks, timers and keyed state out. Processing time is
 * a manual clock that only {@link #setProcessingTime} moves.
 *
 * <pre>{@code
 * var h = OperatorTestHarness.keyed(new MyOperator(), (Event e) -> e.user());
 * h.open();
 * h.processElement(event);
 * h.processWatermark(1000);
 * assertThat(h.output()).containsExactly(...);
 * }</pre>
 */
public final class OperatorTestHarness<IN, OUT> implements AutoCloseable {

  private final ScheduledActions clock = ScheduledActions.manualClock(0);
  private final OperatorHost host;
  private final KeySelector<Object, Object> keySelector;
  private final HeapKeyedStateBackend<Object> backend;
  private final List<List<Object>> outputs = new ArrayList<>();
  private final List<Long> watermarks = new ArrayList<>();
  private boolean opened;
  private boolean closed;

  @SuppressWarnings("unchecked")
  private OperatorTestHarness(
      Operator<IN, OUT> operator,
      KeySelector<? super IN, ?> keySelector,
      int maxParallelism,
      TypeSerializer<?> keySerializer,
      int outputCount,
      Collection<byte[]> restoredKeyedState,
      Collection<byte[]> restoredTimers)
      throws Exception {
    this.keySelector = (KeySelector<Object, Object>) keySelector;
    if (keySelector != null) {
      backend =
          new HeapKeyedStateBackend<>(
              (TypeSerializer<Object>) keySerializer,
              KeyGroupRange.of(0, maxParallelism - 1),
              maxParallelism);
      if (restoredKeyedState != null) {
        backend.restore(restoredKeyedState);
      }
    } else {
      backend = null;
    }
    host = new OperatorHost("harness", 0, 1, operator, clock, backend);
    if (restoredTimers != null) {
      host.timers().restore(restoredTimers);
    }
    for (int i = 0; i < outputCount; i++) {
      List<Object> out = new ArrayList<>();
      outputs.add(out);
      host.addOutput(i, out::add);
    }
    host.addWatermarkListener(watermarks::add);
  }

  /** A harness for an operator that is not keyed, with one output. */
  public static <IN, OUT> OperatorTestHarness<IN, OUT> of(Operator<IN, OUT> operator)
      throws Exception {
    return new OperatorTestHarness<>(operator, null, 0, null, 1, null, null);
  }

  /** A harness for a keyed operator: each record's key is made current before it is processed. */
  public static <IN, OUT> OperatorTestHarness<IN, OUT> keyed(
      Operator<IN, OUT> operator, KeySelector<? super IN, ?> keys) throws Exception {
    return new OperatorTestHarness<>(
        operator, keys, 128, new KryoSerializer<>(Object.class), 1, null, null);
  }

  /**
   * A keyed harness with {@code outputs} outputs (main plus side outputs) and restored keyed state.
   */
  public static <IN, OUT> OperatorTestHarness<IN, OUT> keyed(
      Operator<IN, OUT> operator,
      KeySelector<? super IN, ?> keys,
      int outputs,
      Collection<byte[]> restoredKeyedState)
      throws Exception {
    return new OperatorTestHarness<>(
        operator, keys, 128, new KryoSerializer<>(Object.class), outputs, restoredKeyedState, null);
  }

  /**
   * A keyed harness restored from {@link #snapshotKeyedState()} and {@link #snapshotTimers()}
   * snapshots.
   */
  public static <IN, OUT> OperatorTestHarness<IN, OUT> keyed(
      Operator<IN, OUT> operator,
      KeySelector<? super IN, ?> keys,
      int outputs,
      Collection<byte[]> restoredKeyedState,
      Collection<byte[]> restoredTimers)
      throws Exception {
    return new OperatorTestHarness<>(
        operator,
        keys,
        128,
        new KryoSerializer<>(Object.class),
        outputs,
        restoredKeyedState,
        restoredTimers);
  }

  /**
   * Everything a checkpoint takes of the operator, as a task takes it at a barrier: its operator
   * state, and for a keyed operator its keyed state and timers ({@code null} where there is none).
   */
  public record Snapshot(byte[] operatorState, byte[] keyedState, byte[] timers) {}

  /**
   * A harness whose operator starts from {@code snapshot}, as a task restored from that checkpoint
   * (at the same parallelism) starts it: state and timers restored before {@link #open()}.
   *
   * @param keys the operator's key selector, or {@code null} for an operator that is not keyed
   */
  public static <IN, OUT> OperatorTestHarness<IN, OUT> restored(
      Operator<IN, OUT> operator, KeySelector<? super IN, ?> keys, int outputs, Snapshot snapshot)
      throws Exception {
    OperatorTestHarness<IN, OUT> h =
        new OperatorTestHarness<>(
            operator,
            keys,
            128,
            new KryoSerializer<>(Object.class),
            outputs,
            keys == null || snapshot.keyedState() == null ? null : List.of(snapshot.keyedState()),
            keys == null || snapshot.timers() == null ? null : List.of(snapshot.timers()));
    if (snapshot.operatorState() != null) {
      call(() -> operator.restoreOperatorState(snapshot.operatorState()));
    }
    return h;
  }

  public OperatorTestHarness<IN, OUT> open() throws Exception {
    call(host::open);
    opened = true;
    return this;
  }

  private void requireOpen() {
    if (!opened || closed) {
      throw new IllegalStateException("open() the harness first (and do not use it after close())");
    }
  }

  public void processElement(IN record) throws Exception {
    processElement(0, record);
  }

  public void processElement(int input, Object record) throws Exception {
    requireOpen();
    if (keySelector != null) {
      host.setCurrentKey(keySelector.getKey(record));
    }
    call(() -> host.processElement(input, record));
  }

  /** Advances the input watermark: due event-time timers fire, then the operator sees it. */
  public void processWatermark(long watermark) throws Exception {
    requireOpen();
    call(() -> host.processWatermark(watermark));
  }

  /** Moves the manual processing-time clock and runs due processing-time timers and actions. */
  public void setProcessingTime(long millis) throws Exception {
    requireOpen();
    clock.setManualTime(millis);
    call(clock::runDue);
  }

  /** End of input, as a task sees it: the final watermark, then finish. */
  public void endInput() throws Exception {
    processWatermark(Watermarks.MAX);
    call(host::finish);
  }

  @Override
  public void close() throws Exception {
    if (opened && !closed) {
      closed = true;
      call(host::close);
    }
  }

  /** Records emitted on the main output so far. */
  @SuppressWarnings("unchecked")
  public List<OUT> output() {
    return (List<OUT>) outputs.get(0);
  }

  /** Records emitted on output {@code index} so far. */
  public List<Object> output(int index) {
    return outputs.get(index);
  }

  /** Watermarks the operator emitted so far. */
  public List<Long> watermarks() {
    return watermarks;
  }

  public int eventTimeTimers() {
    KeyedTimerService t = host.timers();
    return t == null ? 0 : t.eventTimerCount();
  }

  public int processingTimeTimers() {
    KeyedTimerService t = host.timers();
    return t == null ? 0 : t.processingTimerCount();
  }

  /** The operator's keyed state, or {@code null} when it is not keyed. */
  public KeyedStateBackend<Object> keyedState() {
    return backend;
  }

  /** A snapshot of all keyed state, to restore into a new harness. */
  public byte[] snapshotKeyedState() throws Exception {
    return backend.snapshot(backend.keyGroupRange());
  }

  /**
   * A snapshot of the operator's timers (event and processing time), to restore into a new harness.
   */
  public byte[] snapshotTimers() throws Exception {
    return host.timers().snapshot().write();
  }

  /**
   * Takes checkpoint {@code checkpointId}'s synchronous part, as the task does when the barrier
   * reaches this operator (the operator may emit while it snapshots, a finished bundle for
   * example).
   */
  public Snapshot snapshot(long checkpointId) throws Exception {
    requireOpen();
    byte[][] operatorState = new byte[1][];
    call(() -> operatorState[0] = host.operator().snapshotOperatorState(checkpointId));
    return new Snapshot(
        operatorState[0],
        backend == null ? null : snapshotKeyedState(),
        host.timers() == null ? null : snapshotTimers());
  }

  /** Checkpoint {@code checkpointId} completed: the operator may commit what waited for it. */
  public void notifyCheckpointComplete(long checkpointId) throws Exception {
    requireOpen();
    call(() -> host.operator().notifyCheckpointComplete(checkpointId));
  }

  private interface Call {
    void run() throws Exception;
  }

  private static void call(Call call) throws Exception {
    try {
      call.run();
    } catch (UserCodeException e) {
      Throwable cause = UserCodeException.unwrap(e);
      if (cause instanceof Exception ex) {
        throw ex;
      }
      throw (Error) cause;
    }
  }
}
