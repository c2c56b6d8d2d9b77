package dev.weir.cluster.coordinator;

import dev.weir.cluster.protocol.v1.ControlMessage;
import dev.weir.cluster.protocol.v1.ProcessingTimeAdvanced;
import dev.weir.cluster.protocol.v1.QuiescenceLook;
import dev.weir.cluster.protocol.v1.QuiescenceProbe;
import dev.weir.cluster.protocol.v1.QuiescenceQuery;
import dev.weir.cluster.protocol.v1.QuiescenceResult;
import java.util.function.BiConsumer;

/**
 * What a replayed job (Beam's TestStream) needs of the coordinator in one attempt: the job's manual
 * clock moved on one worker is forwarded to the others, and a replaying source's question whether
 * the rest of the job is quiescent is answered by two rounds of looks at every worker ({@link
 * QuiescenceRounds}). Not thread-safe: its job's monitor guards it.
 */
final class ReplayCoordination {

  private final AttemptTasks attempt;
  private final BiConsumer<String, ControlMessage> send;

  /** The check under way, or null. */
  private QuiescenceRounds rounds;

  /** {@code send}: a message to a worker of the attempt, by id. */
  ReplayCoordination(AttemptTasks attempt, BiConsumer<String, ControlMessage> send) {
    this.attempt = attempt;
    this.send = send;
  }

  /** A replaying source on {@code workerId} asks; a new probe replaces one under way. */
  void onProbe(String workerId, QuiescenceProbe probe) {
    if (!attempt.runsOn(workerId)) {
      return;
    }
    rounds =
        new QuiescenceRounds(
            probe.getProbe(), probe.getAsker(), workerId, attempt.byWorker().keySet());
    query(rounds);
  }

  void onLook(String workerId, QuiescenceLook look) {
    QuiescenceRounds r = rounds;
    if (r == null) {
      return;
    }
    QuiescenceRounds.Verdict verdict = r.onLook(workerId, look);
    switch (verdict) {
      case WAITING -> {}
      case NEXT_ROUND -> query(r);
      case QUIESCENT, BUSY -> {
        rounds = null;
        send.accept(
            r.askerWorker(),
            ControlMessage.newBuilder()
                .setQuiescenceResult(
                    QuiescenceResult.newBuilder()
                        .setJob(attempt.attempt())
                        .setProbe(r.probe())
                        .setQuiescent(verdict == QuiescenceRounds.Verdict.QUIESCENT))
                .build());
      }
    }
  }

  private void query(QuiescenceRounds r) {
    ControlMessage query =
        ControlMessage.newBuilder()
            .setQuiescenceQuery(
                QuiescenceQuery.newBuilder()
                    .setJob(attempt.attempt())
                    .setProbe(r.probe())
                    .setRound(r.round())
                    .setAsker(r.asker()))
            .build();
    for (String w : r.workers()) {
      send.accept(w, query);
    }
  }

  /**
   * A task on {@code workerId} moved the job's manual clock: the attempt's other workers move
   * theirs. Sent before any later quiescence query on the same connections, so a worker's look
   * already sees the timers the new time made due.
   */
  void onProcessingTimeAdvanced(String workerId, ProcessingTimeAdvanced advanced) {
    ControlMessage forward =
        ControlMessage.newBuilder().setProcessingTimeAdvanced(advanced).build();
    for (String w : attempt.byWorker().keySet()) {
      if (!w.equals(workerId)) {
        send.accept(w, forward);
      }
    }
  }
}
