package dev.weir.translation.operators;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.beam.runners.core.StateInternals;
import org.apache.beam.runners.core.StateNamespace;
import org.apache.beam.runners.core.StateNamespaces;
import org.apache.beam.runners.core.StateTag;
import org.apache.beam.runners.core.StateTags;
import org.apache.beam.runners.core.StatefulDoFnRunner;
import org.apache.beam.runners.core.TimerInternals;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.ReadableState;
import org.apache.beam.sdk.state.State;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.reflect.DoFnSignature;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.WindowingStrategy;
import org.joda.time.Instant;

/**
 * What a stateful DoFn's {@code @ProcessElement} reaches besides its element, for {@link
 * ReusedContextDoFnRunner}: its states and timers in the element's window, whether a window is
 * already expired, and the timer that clears a window's state. The state tags, timer objects and
 * the last window's namespace are made once, not per element as runners-core's process context does
 * (a tag, a namespace and a timer per element were a quarter of what a DoFn with a value and a
 * timer per key allocated).
 *
 * <p>Lateness and cleanup are StatefulDoFnRunner's: an element in a window whose garbage-collection
 * time the input watermark has passed is dropped and counted as {@code StatefulParDoDropped};
 * otherwise the cleanup timer is set for its window before the DoFn sees it. Task thread only.
 */
final class ElementStateAccess<InputT> {

  private final StateInternals stateInternals;
  private final LongSupplier inputWatermarkMillis;
  private final Coder<BoundedWindow> windowCoder;
  private final StatefulDoFnRunner.CleanupTimer<InputT> cleanup;
  private final WindowExpiry expiry;
  private final Map<String, StateTag<?>> tags = new HashMap<>();
  private final Map<String, ElementTimer> timers = new HashMap<>();
  private final Counter droppedDueToLateness =
      Metrics.counter(StatefulDoFnRunner.class, StatefulDoFnRunner.DROPPED_DUE_TO_LATENESS_COUNTER);

  private BoundedWindow lastWindow;
  private StateNamespace lastNamespace;

  /**
   * @param inputWatermarkMillis the input watermark as Beam sees it ({@link
   *     TimerInternals#currentInputWatermarkTime}), in milliseconds
   */
  @SuppressWarnings("deprecation") // allowed skew is deprecated for users, but must be respected
  ElementStateAccess(
      DoFn<InputT, ?> fn,
      DoFnSignature signature,
      StateInternals stateInternals,
      TimerInternals timerInternals,
      LongSupplier inputWatermarkMillis,
      WindowingStrategy<?, ?> windowingStrategy,
      StatefulDoFnRunner.CleanupTimer<InputT> cleanup) {
    this.stateInternals = stateInternals;
    this.inputWatermarkMillis = inputWatermarkMillis;
    @SuppressWarnings("unchecked")
    Coder<BoundedWindow> coder =
        (Coder<BoundedWindow>) windowingStrategy.getWindowFn().windowCoder();
    this.windowCoder = coder;
    this.cleanup = cleanup;
    this.expiry = new WindowExpiry(windowingStrategy.getAllowedLateness());
    try {
      for (Map.Entry<String, DoFnSignature.StateDeclaration> d :
          signature.stateDeclarations().entrySet()) {
        StateSpec<?> spec = (StateSpec<?>) d.getValue().field().get(fn);
        if (spec == null) {
          throw new IllegalStateException(
              "field " + d.getValue().field() + " of state " + d.getKey() + " is null");
        }
        tags.put(d.getKey(), StateTags.tagForSpec(d.getKey(), spec));
      }
      for (Map.Entry<String, DoFnSignature.TimerDeclaration> d :
          signature.timerDeclarations().entrySet()) {
        TimerSpec spec = (TimerSpec) d.getValue().field().get(fn);
        if (spec == null) {
          throw new IllegalStateException(
              "field " + d.getValue().field() + " of timer " + d.getKey() + " is null");
        }
        timers.put(
            d.getKey(),
            new ElementTimer(
                d.getKey(),
                spec.getTimeDomain(),
                timerInternals,
                new AllowedSkew(fn.getAllowedTimestampSkew()),
                expiry));
      }
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot read the state and timer specs of " + fn, e);
    }
  }

  /**
   * Whether the element in {@code window} comes too late: the watermark passed the window's
   * garbage-collection time. Then it is counted as dropped.
   */
  boolean dropIfLate(BoundedWindow window) {
    if (isExpired(window)) {
      droppedDueToLateness.inc();
      return true;
    }
    return false;
  }

  /** Whether the input watermark passed the window's garbage-collection time. */
  boolean isExpired(BoundedWindow window) {
    return expiry.millis(window) < inputWatermarkMillis.getAsLong();
  }

  /** Makes sure the window's state is cleared once it expires. */
  void keepUntilExpiry(InputT value, BoundedWindow window) {
    cleanup.setForWindow(value, window);
  }

  State state(String stateId, BoundedWindow window, boolean alwaysFetched) {
    StateTag<?> tag = tags.get(stateId);
    if (tag == null) {
      throw new IllegalArgumentException("state not found: " + stateId);
    }
    State state = stateInternals.state(namespace(window), tag);
    return alwaysFetched ? (State) ((ReadableState<?>) state).readLater() : state;
  }

  Timer timer(String timerId, BoundedWindow window, Instant elementTimestamp) {
    ElementTimer timer = timers.get(timerId);
    if (timer == null) {
      throw new IllegalArgumentException("timer not found: " + timerId);
    }
    return timer.forElement(window, namespace(window), elementTimestamp);
  }

  private StateNamespace namespace(BoundedWindow window) {
    if (!window.equals(lastWindow)) {
      lastNamespace = StateNamespaces.window(windowCoder, window);
      lastWindow = window;
    }
    return lastNamespace;
  }
}
