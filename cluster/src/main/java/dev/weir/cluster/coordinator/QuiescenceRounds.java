package dev.weir.cluster.coordinator;

import dev.weir.cluster.protocol.v1.QuiescenceLook;
import dev.weir.cluster.protocol.v1.SubtaskId;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * One quiescence check of a job spread over workers (see the protocol's QuiescenceProbe): two
 * rounds of looks, one per worker each. Quiescent when every look was idle, each worker's second
 * look equals its first (no task woke, nothing was sent or received between them) and what the
 * workers sent each other equals what they received. Why that is exact: every worker was idle over
 * the span between its two looks, and those spans share the moment the first round ended; at that
 * moment nothing was being processed, and with equal counts (which did not move) nothing was on its
 * way between workers. Not thread-safe: its job's monitor guards it.
 */
final class QuiescenceRounds {

  /** The verdict, once the rounds are done. */
  enum Verdict {
    WAITING,
    NEXT_ROUND,
    QUIESCENT,
    BUSY
  }

  private final long probe;
  private final SubtaskId asker;
  private final String askerWorker;
  private final Set<String> workers;
  private final Map<String, QuiescenceLook> first = new HashMap<>();
  private final Map<String, QuiescenceLook> second = new HashMap<>();
  private int round = 1;

  QuiescenceRounds(long probe, SubtaskId asker, String askerWorker, Set<String> workers) {
    this.probe = probe;
    this.asker = asker;
    this.askerWorker = askerWorker;
    this.workers = Set.copyOf(workers);
  }

  long probe() {
    return probe;
  }

  SubtaskId asker() {
    return asker;
  }

  String askerWorker() {
    return askerWorker;
  }

  Set<String> workers() {
    return workers;
  }

  int round() {
    return round;
  }

  /** A worker's look; says what to do next. Looks of other probes or rounds are ignored. */
  Verdict onLook(String worker, QuiescenceLook look) {
    if (look.getProbe() != probe || look.getRound() != round || !workers.contains(worker)) {
      return Verdict.WAITING;
    }
    Map<String, QuiescenceLook> looks = round == 1 ? first : second;
    looks.put(worker, look);
    if (looks.size() < workers.size()) {
      return Verdict.WAITING;
    }
    for (QuiescenceLook l : looks.values()) {
      if (!l.getIdle()) {
        return Verdict.BUSY;
      }
    }
    if (round == 1) {
      round = 2;
      return Verdict.NEXT_ROUND;
    }
    long sent = 0;
    long received = 0;
    for (String w : workers) {
      QuiescenceLook a = first.get(w);
      QuiescenceLook b = second.get(w);
      if (a.getWakeups() != b.getWakeups()
          || a.getSent() != b.getSent()
          || a.getReceived() != b.getReceived()) {
        return Verdict.BUSY;
      }
      sent += b.getSent();
      received += b.getReceived();
    }
    return sent == received ? Verdict.QUIESCENT : Verdict.BUSY;
  }
}
