package dev.weir.translation.operators;

import java.util.List;
import org.apache.beam.sdk.values.WindowedValue;

/**
 * The input of a DoFn annotated {@code @RequiresStableInput} while the job takes checkpoints: an
 * element is held until a checkpoint that contains it completes, and only then processed. If the
 * job fails before, the element is not processed at all; after a restore it comes from the
 * checkpoint, byte for byte the same, even if the steps before it are not deterministic. So the
 * DoFn sees every element it processes again (after a failure) with the same value, which is what
 * lets it have side effects outside the pipeline safely.
 *
 * <p>{@link StableInputBuffer} keeps a non-keyed DoFn's elements in operator state; {@link
 * KeyedStableInput} keeps a keyed DoFn's in keyed state, so they rescale with their keys. Called on
 * the task's thread only.
 *
 * @param <T> the main input's element type
 */
interface StableInput<T> {

  /** Holds {@code value} (under the current key, for a keyed DoFn). */
  void add(WindowedValue<T> value);

  /**
   * The earliest timestamp held, or {@link Long#MAX_VALUE}: event time must not pass it, or the
   * held elements would be late when they are processed.
   */
  long earliestTimestamp();

  /** A barrier passed: what came before it becomes stable when {@code checkpointId} completes. */
  void onBarrier(long checkpointId);

  /** Removes and returns what checkpoint {@code checkpointId} (and earlier ones) made stable. */
  List<KeyedElement<T>> takeStable(long checkpointId);

  /** Removes and returns everything held (at the end of the input nothing can wait any more). */
  List<KeyedElement<T>> takeAll();

  /**
   * What the operator state must carry for it after {@link #onBarrier}: the elements waiting for
   * completion, or nothing when they live in keyed state.
   */
  List<KeyedElement<T>> heldInOperatorState();

  /** Elements a restore found in operator state: all stable (their checkpoint completed). */
  void restore(List<KeyedElement<T>> fromOperatorState);

  /** Removes and returns what a restore brought back, all of it stable, for processing now. */
  List<KeyedElement<T>> takeRestored() throws Exception;
}
