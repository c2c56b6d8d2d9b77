package dev.weir.cluster.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.cluster.coordinator.QuiescenceRounds.Verdict;
import dev.weir.cluster.protocol.v1.QuiescenceLook;
import dev.weir.cluster.protocol.v1.SubtaskId;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The verdicts of a two-round quiescence check over two workers. */
class QuiescenceRoundsTest {

  private static final SubtaskId SOURCE =
      SubtaskId.newBuilder().setVertex("replay").setSubtask(0).build();

  private static QuiescenceRounds rounds() {
    return new QuiescenceRounds(7, SOURCE, "a", Set.of("a", "b"));
  }

  private static QuiescenceLook look(
      int round, boolean idle, long wakeups, long sent, long received) {
    return QuiescenceLook.newBuilder()
        .setProbe(7)
        .setRound(round)
        .setIdle(idle)
        .setWakeups(wakeups)
        .setSent(sent)
        .setReceived(received)
        .build();
  }

  /** Round 1 from both workers, then round 2 as given; the verdict after the last look. */
  private static Verdict check(QuiescenceLook secondOfA, QuiescenceLook secondOfB) {
    QuiescenceRounds r = rounds();
    assertThat(r.onLook("a", look(1, true, 3, 10, 4))).isEqualTo(Verdict.WAITING);
    assertThat(r.onLook("b", look(1, true, 5, 4, 10))).isEqualTo(Verdict.NEXT_ROUND);
    assertThat(r.onLook("a", secondOfA)).isEqualTo(Verdict.WAITING);
    return r.onLook("b", secondOfB);
  }

  @Test
  void idleTwiceWithNothingInFlightIsQuiescent() {
    assertThat(check(look(2, true, 3, 10, 4), look(2, true, 5, 4, 10)))
        .isEqualTo(Verdict.QUIESCENT);
  }

  @Test
  void aTaskThatWokeBetweenTheRoundsIsNot() {
    assertThat(check(look(2, true, 4, 10, 4), look(2, true, 5, 4, 10))).isEqualTo(Verdict.BUSY);
  }

  @Test
  void aBufferSentButNotReceivedIsNot() {
    QuiescenceRounds r = rounds();
    r.onLook("a", look(1, true, 3, 11, 4));
    r.onLook("b", look(1, true, 5, 4, 10));
    r.onLook("a", look(2, true, 3, 11, 4));
    assertThat(r.onLook("b", look(2, true, 5, 4, 10))).isEqualTo(Verdict.BUSY);
  }

  @Test
  void aBusyWorkerEndsTheCheckAtOnce() {
    QuiescenceRounds r = rounds();
    r.onLook("a", look(1, true, 3, 10, 4));
    assertThat(r.onLook("b", look(1, false, 5, 4, 10))).isEqualTo(Verdict.BUSY);
  }

  @Test
  void looksOfOtherProbesRoundsOrWorkersAreIgnored() {
    QuiescenceRounds r = rounds();
    assertThat(r.onLook("a", look(2, true, 3, 10, 4))).isEqualTo(Verdict.WAITING);
    assertThat(r.onLook("c", look(1, true, 3, 10, 4))).isEqualTo(Verdict.WAITING);
    assertThat(r.onLook("a", look(1, true, 3, 10, 4).toBuilder().setProbe(6).build()))
        .isEqualTo(Verdict.WAITING);
    r.onLook("a", look(1, true, 3, 10, 4));
    assertThat(r.onLook("b", look(1, true, 5, 4, 10))).isEqualTo(Verdict.NEXT_ROUND);
  }
}
