package dev.weir.translation.operators;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.beam.sdk.transforms.DoFn;
import org.joda.time.Instant;

/**
 * Bundle finalizers a DoFn registered during a bundle. Without checkpoints, a bundle is committed
 * once it finished and its output was handed downstream (nothing will replay it), so the callbacks
 * run right after the bundle ends. With checkpoints, a bundle is committed once the checkpoint
 * after it completed (a failure before would replay it), so the callbacks wait for that. Either way
 * a callback whose expiry passed is dropped. Callbacks are not part of a snapshot: after a failure
 * they are lost, which Beam allows (finalization is best effort).
 */
final class BundleFinalization implements DoFn.BundleFinalizer {

  private record Pending(Instant expiry, Callback callback) {}

  private final boolean awaitCheckpoints;
  private List<Pending> pending = new ArrayList<>();
  private List<Pending> finished = new ArrayList<>();
  private final TreeMap<Long, List<Pending>> byCheckpoint = new TreeMap<>();

  BundleFinalization(boolean awaitCheckpoints) {
    this.awaitCheckpoints = awaitCheckpoints;
  }

  @Override
  public void afterBundleCommit(Instant callbackExpiry, Callback callback) {
    pending.add(new Pending(callbackExpiry, callback));
  }

  /** The bundle finished and its output left. */
  void bundleFinished() throws Exception {
    if (pending.isEmpty()) {
      return;
    }
    if (awaitCheckpoints) {
      finished.addAll(pending);
      pending = new ArrayList<>();
    } else {
      List<Pending> due = pending;
      pending = new ArrayList<>();
      run(due);
    }
  }

  /** A snapshot for checkpoint {@code checkpointId} covers every bundle finished so far. */
  void snapshot(long checkpointId) {
    if (!finished.isEmpty()) {
      byCheckpoint.put(checkpointId, finished);
      finished = new ArrayList<>();
    }
  }

  void checkpointComplete(long checkpointId) throws Exception {
    SortedMap<Long, List<Pending>> covered = byCheckpoint.headMap(checkpointId, true);
    List<Pending> due = new ArrayList<>();
    for (List<Pending> p : covered.values()) {
      due.addAll(p);
    }
    covered.clear();
    run(due);
  }

  private static void run(List<Pending> due) throws Exception {
    Instant now = Instant.now();
    for (Pending p : due) {
      if (!now.isAfter(p.expiry())) {
        p.callback().onBundleSuccess();
      }
    }
  }
}
