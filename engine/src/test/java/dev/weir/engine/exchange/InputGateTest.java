package dev.weir.engine.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class InputGateTest {

  private final BufferPool pool = new BufferPool(64, 64);

  private static final class Fixture {
    final Subpartition[] subpartitions;
    final InputGate gate;
    final AtomicInteger wakeups = new AtomicInteger();

    Fixture(int channels, int credits) {
      subpartitions = new Subpartition[channels];
      InputChannel[] inputs = new InputChannel[channels];
      for (int i = 0; i < channels; i++) {
        subpartitions[i] = new Subpartition();
        inputs[i] = new LocalInputChannel(subpartitions[i], credits);
      }
      gate = new InputGate(inputs, wakeups::incrementAndGet);
    }
  }

  private NetworkBuffer buffer(int tag) {
    NetworkBuffer b = pool.poll();
    b.setSize(tag);
    return b;
  }

  /** Drains the gate; returns "channel:what" for each item, recycling buffers. */
  private static List<String> drain(InputGate gate) {
    List<String> seen = new ArrayList<>();
    BufferOrEvent next;
    while ((next = gate.pollNext()) != null) {
      int c = gate.lastChannel();
      if (next instanceof NetworkBuffer b) {
        seen.add(c + ":b" + b.size());
        gate.channel(c).consumed(b);
      } else {
        seen.add(c + ":" + next);
      }
    }
    return seen;
  }

  @Test
  void channelsWithDataTakeTurnsSoNoneStarves() {
    Fixture f = new Fixture(3, 10);
    for (int i = 1; i <= 3; i++) {
      f.subpartitions[0].add(buffer(i));
    }
    f.subpartitions[2].add(buffer(7));
    f.subpartitions[2].add(buffer(8));

    assertThat(drain(f.gate)).containsExactly("0:b1", "2:b7", "0:b2", "2:b8", "0:b3");
  }

  @Test
  void aChannelThatGetsDataLaterAnnouncesItselfAndWakesTheTask() {
    Fixture f = new Fixture(2, 10);
    assertThat(f.gate.pollNext()).isNull();
    int before = f.wakeups.get();

    f.subpartitions[1].add(new ExchangeEvent.Watermark(42));

    assertThat(f.wakeups.get()).isGreaterThan(before);
    assertThat(drain(f.gate)).containsExactly("1:Watermark[timestamp=42]");
  }

  @Test
  void aChannelOutOfCreditIsPolledAgainOnceCreditReturns() {
    Fixture f = new Fixture(1, 1);
    f.subpartitions[0].add(buffer(1));
    f.subpartitions[0].add(buffer(2));

    BufferOrEvent first = f.gate.pollNext();
    assertThat(first).isInstanceOf(NetworkBuffer.class);
    assertThat(f.gate.pollNext()).as("the only credit is spent").isNull();

    f.gate.channel(0).consumed((NetworkBuffer) first); // gives the credit back
    assertThat(drain(f.gate)).containsExactly("0:b2");
  }

  @Test
  void blockedChannelsAreSkippedUntilReleasedAndEndedOnesForever() {
    Fixture f = new Fixture(3, 10);
    f.subpartitions[0].add(buffer(1));
    f.subpartitions[1].add(buffer(2));
    f.subpartitions[2].add(buffer(3));
    f.gate.block(0);
    f.gate.markEnded(2);

    assertThat(drain(f.gate)).containsExactly("1:b2");
    f.subpartitions[0].add(buffer(4)); // announces a channel that is still held back
    assertThat(f.gate.pollNext()).isNull();

    f.gate.unblockAll();
    assertThat(drain(f.gate)).containsExactly("0:b1", "0:b4");
    assertThat(f.gate.isFinished()).isFalse();
  }

  @Test
  void producersOnOtherThreadsLoseNoAnnouncement() throws Exception {
    int producers = 4;
    int perProducer = 5_000;
    Fixture f = new Fixture(producers, 4);
    BufferPool big = new BufferPool(64, producers * 8);
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      Subpartition target = f.subpartitions[p];
      Thread t =
          new Thread(
              () -> {
                for (int i = 0; i < perProducer; i++) {
                  NetworkBuffer b = big.request(() -> false);
                  b.setSize(1);
                  target.add(b);
                }
                target.add(ExchangeEvent.EndOfInput.INSTANCE);
              });
      threads.add(t);
      t.start();
    }
    int buffers = 0;
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!f.gate.isFinished() && System.nanoTime() < deadline) {
      BufferOrEvent next = f.gate.pollNext();
      if (next == null) {
        Thread.onSpinWait();
      } else if (next instanceof NetworkBuffer b) {
        buffers++;
        f.gate.channel(f.gate.lastChannel()).consumed(b);
      } else {
        f.gate.markEnded(f.gate.lastChannel());
      }
    }
    for (Thread t : threads) {
      t.join(10_000);
    }
    assertThat(f.gate.isFinished()).as("every channel's end arrived").isTrue();
    assertThat(buffers).isEqualTo(producers * perProducer);
  }
}
