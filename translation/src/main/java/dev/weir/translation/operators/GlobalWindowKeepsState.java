package dev.weir.translation.operators;

import org.apache.beam.runners.core.StatefulDoFnRunner;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.joda.time.Instant;

/**
 * Beam's cleanup timer of a stateful DoFn, set for every window but the global one. Beam sets a
 * window's cleanup timer on every element; in the global window it would fire only when the input
 * has ended, to clear state the job drops with it anyway: a timer per key (and a lookup per
 * element) for nothing, a fifth of the time of a DoFn with a timer per key over a million keys.
 * Only for DoFns without {@code @OnWindowExpiration}, which that timer would call.
 */
final class GlobalWindowKeepsState<InputT> implements StatefulDoFnRunner.CleanupTimer<InputT> {

  private final StatefulDoFnRunner.CleanupTimer<InputT> cleanup;

  GlobalWindowKeepsState(StatefulDoFnRunner.CleanupTimer<InputT> cleanup) {
    this.cleanup = cleanup;
  }

  @Override
  public void setForWindow(InputT input, BoundedWindow window) {
    if (!(window instanceof GlobalWindow)) {
      cleanup.setForWindow(input, window);
    }
  }

  @Override
  public boolean isForWindow(
      String timerId, BoundedWindow window, Instant timestamp, TimeDomain timeDomain) {
    return cleanup.isForWindow(timerId, window, timestamp, timeDomain);
  }
}
