package dev.weir.translation.operators;

import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.transforms.DoFn;
import org.joda.time.Instant;

/**
 * Bundle finalizers a DoFn registered during a bundle. Without checkpoints, a bundle is committed
 * once it finished and its output was handed downstream (nothing will replay it), so the callbacks
 * run right after the bundle ends, unless their expiry passed.
 */
final class BundleFinalization implements DoFn.BundleFinalizer {

  private record Pending(Instant expiry, Callback callback) {}

  private final List<Pending> pending = new ArrayList<>();

  @Override
  public void afterBundleCommit(Instant callbackExpiry, Callback callback) {
    pending.add(new Pending(callbackExpiry, callback));
  }

  void bundleCommitted() throws Exception {
    if (pending.isEmpty()) {
      return;
    }
    List<Pending> due = new ArrayList<>(pending);
    pending.clear();
    Instant now = Instant.now();
    for (Pending p : due) {
      if (!now.isAfter(p.expiry())) {
        p.callback().onBundleSuccess();
      }
    }
  }
}
