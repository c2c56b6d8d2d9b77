package dev.weir.engine.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.engine.exchange.ExchangeEvent.CheckpointBarrier;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BarrierAlignerTest {

  /** Records what the aligner asks of its task. */
  static final class Recorder implements BarrierAligner.Actions {
    final Set<Integer> blocked = new HashSet<>();
    final Set<Integer> ended = new HashSet<>();
    final List<String> log = new ArrayList<>();

    @Override
    public void block(int channel) {
      blocked.add(channel);
    }

    @Override
    public void unblockAll() {
      blocked.clear();
    }

    @Override
    public boolean isEnded(int channel) {
      return ended.contains(channel);
    }

    @Override
    public void alignmentComplete(CheckpointBarrier barrier) {
      log.add("snapshot " + barrier.checkpointId() + " blocked=" + blocked);
    }

    @Override
    public void aborted(long checkpointId, String reason) {
      log.add("abort " + checkpointId);
    }
  }

  private static CheckpointBarrier barrier(long id) {
    return new CheckpointBarrier(id, 0, false);
  }

  @Test
  void holdsChannelsUntilTheBarrierArrivedOnAllThenSnapshotsBeforeReleasing() throws Exception {
    Recorder r = new Recorder();
    BarrierAligner aligner = new BarrierAligner(3, r);
    aligner.onBarrier(1, barrier(1));
    assertThat(aligner.state()).isEqualTo(BarrierAligner.State.COLLECTING);
    assertThat(r.blocked).containsExactly(1);
    aligner.onBarrier(0, barrier(1));
    assertThat(r.blocked).containsExactlyInAnyOrder(0, 1);
    assertThat(r.log).isEmpty();
    aligner.onBarrier(2, barrier(1));
    // The snapshot happens while the channels are still held, then they are released.
    assertThat(r.log).containsExactly("snapshot 1 blocked=[0, 1, 2]");
    assertThat(r.blocked).isEmpty();
    assertThat(aligner.state()).isEqualTo(BarrierAligner.State.WAITING);
  }

  @Test
  void anEndedChannelCountsAsAligned() throws Exception {
    Recorder r = new Recorder();
    BarrierAligner aligner = new BarrierAligner(2, r);
    aligner.onBarrier(0, barrier(4));
    r.ended.add(1);
    aligner.onChannelEnded(1);
    assertThat(r.log).containsExactly("snapshot 4 blocked=[0]");
    assertThat(r.blocked).isEmpty();
  }

  @Test
  void aNewerBarrierAbortsTheOlderCheckpointAndLateBarriersOfItAreIgnored() throws Exception {
    Recorder r = new Recorder();
    BarrierAligner aligner = new BarrierAligner(2, r);
    aligner.onBarrier(0, barrier(1));
    aligner.onBarrier(1, barrier(2));
    assertThat(r.log).containsExactly("abort 1");
    assertThat(r.blocked).containsExactly(1);
    aligner.onBarrier(1, barrier(1)); // stale
    aligner.onBarrier(0, barrier(1)); // stale
    assertThat(r.log).containsExactly("abort 1");
    aligner.onBarrier(0, barrier(2));
    assertThat(r.log).containsExactly("abort 1", "snapshot 2 blocked=[0, 1]");
  }

  @Test
  void aCancelReleasesTheChannelsAndTheCheckpointsBarriersAreIgnoredAfterwards() throws Exception {
    Recorder r = new Recorder();
    BarrierAligner aligner = new BarrierAligner(2, r);
    aligner.onBarrier(0, barrier(7));
    aligner.onCancel(7);
    assertThat(r.log).containsExactly("abort 7");
    assertThat(r.blocked).isEmpty();
    aligner.onBarrier(1, barrier(7));
    assertThat(r.blocked).isEmpty();
    assertThat(aligner.state()).isEqualTo(BarrierAligner.State.WAITING);
    // A cancel for a checkpoint not started here is passed on once, and its barriers are ignored.
    aligner.onCancel(8);
    aligner.onBarrier(0, barrier(8));
    assertThat(r.log).containsExactly("abort 7", "abort 8");
    assertThat(r.blocked).isEmpty();
  }

  @Test
  void aSingleChannelAlignsAtOnce() throws Exception {
    Recorder r = new Recorder();
    BarrierAligner aligner = new BarrierAligner(1, r);
    aligner.onBarrier(0, barrier(1));
    aligner.onBarrier(0, barrier(2));
    assertThat(r.log).containsExactly("snapshot 1 blocked=[0]", "snapshot 2 blocked=[0]");
    assertThat(r.blocked).isEmpty();
  }
}
