package dev.weir.cluster.worker;

import dev.weir.cluster.protocol.v1.ControlMessage;
import dev.weir.cluster.protocol.v1.JobAttempt;
import dev.weir.cluster.protocol.v1.QuiescenceProbe;
import dev.weir.cluster.protocol.v1.QuiescenceResult;
import dev.weir.cluster.protocol.v1.SubtaskId;
import java.util.function.Consumer;

/**
 * The asking side of a quiescence check of a job spread over workers: a replaying source here asks
 * whether every other task of the job is quiescent. The answer takes a round trip through the
 * coordinator (which looks at every worker twice), so asking never blocks: the first ask sends a
 * probe and answers false; the source asks again while it waits, and once the coordinator's answer
 * arrived the next ask returns it (and a negative answer sends the next probe). Each answer is used
 * once, so a positive one always comes from a probe sent after the source's last event.
 *
 * <p>Threads: {@link #ask} on the source's task thread, {@link #onResult} on an event loop.
 */
final class AttemptQuiescence {

  /** A probe whose answer did not come (the coordinator changed, say) is sent again after this. */
  private static final long RETRY_NANOS = 5_000_000_000L;

  private final JobAttempt job;
  private final Consumer<ControlMessage> coordinator;
  private long lastProbe;
  private long inFlight = -1;
  private long sentAtNanos;
  private Boolean answer;

  AttemptQuiescence(JobAttempt job, Consumer<ControlMessage> coordinator) {
    this.job = job;
    this.coordinator = coordinator;
  }

  /** Whether the job's tasks but {@code asker} were quiescent at the last probe's looks. */
  boolean ask(SubtaskId asker) {
    QuiescenceProbe probe;
    synchronized (this) {
      if (inFlight >= 0 && answer != null) {
        boolean quiescent = answer;
        inFlight = -1;
        answer = null;
        if (quiescent) {
          return true;
        }
      }
      if (inFlight >= 0 && System.nanoTime() - sentAtNanos < RETRY_NANOS) {
        return false;
      }
      inFlight = ++lastProbe;
      sentAtNanos = System.nanoTime();
      answer = null;
      probe = QuiescenceProbe.newBuilder().setJob(job).setProbe(inFlight).setAsker(asker).build();
    }
    coordinator.accept(ControlMessage.newBuilder().setQuiescenceProbe(probe).build());
    return false;
  }

  synchronized void onResult(QuiescenceResult result) {
    if (result.getProbe() == inFlight) {
      answer = result.getQuiescent();
    }
  }
}
