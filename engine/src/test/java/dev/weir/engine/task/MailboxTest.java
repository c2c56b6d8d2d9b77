package dev.weir.engine.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MailboxTest {

  private final Mailbox mailbox = new Mailbox(new TaskWaker(), "map (1/2)");

  @Test
  void mailsRunInTheOrderTheyWerePut() throws Exception {
    List<Integer> ran = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      int n = i;
      mailbox.put(() -> ran.add(n));
    }
    mailbox.runBatch();
    assertThat(ran).containsExactly(0, 1, 2, 3, 4);
    assertThat(mailbox.isEmpty()).isTrue();
  }

  /** A mail that posts a mail (forever) cannot keep the task from its input: one round, one run. */
  @Test
  void mailsPostedDuringARoundWaitForTheNextRound() throws Exception {
    int[] runs = {0};
    Runnable[] again = new Runnable[1];
    again[0] =
        () -> {
          runs[0]++;
          mailbox.put(again[0]::run);
        };
    mailbox.put(again[0]::run);
    mailbox.runBatch();
    assertThat(runs[0]).isEqualTo(1);
    assertThat(mailbox.isEmpty()).as("the re-posted mail waits").isFalse();
    mailbox.runBatch();
    assertThat(runs[0]).isEqualTo(2);
  }

  @Test
  void aClosedMailboxRefusesMailsAndDropsWhatWasLeft() throws Exception {
    List<String> ran = new ArrayList<>();
    mailbox.put(() -> ran.add("queued"));
    assertThat(mailbox.close()).as("mails dropped").isEqualTo(1);
    assertThat(mailbox.state()).isEqualTo(Mailbox.State.CLOSED);
    assertThat(mailbox.tryPut(() -> ran.add("late"))).isFalse();
    assertThatThrownBy(() -> mailbox.put(() -> ran.add("late")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("map (1/2)")
        .hasMessageContaining("closed");
    mailbox.runBatch();
    assertThat(ran).isEmpty();
  }

  @Test
  void aQuiescedMailboxRefusesNewMailsButRunsThoseItAccepted() throws Exception {
    List<String> ran = new ArrayList<>();
    mailbox.put(() -> ran.add("accepted"));
    mailbox.put(() -> mailbox.tryPut(() -> ran.add("posted by a mail")));

    mailbox.quiesce();
    assertThat(mailbox.state()).isEqualTo(Mailbox.State.QUIESCED);
    assertThat(mailbox.tryPut(() -> ran.add("late"))).isFalse();
    assertThatThrownBy(() -> mailbox.put(() -> ran.add("late"))).hasMessageContaining("quiesced");
    mailbox.drain();

    assertThat(ran).containsExactly("accepted");
    assertThat(mailbox.isEmpty()).isTrue();
    assertThat(mailbox.close()).as("nothing left to drop").isZero();
  }

  @Test
  void mailsFromOtherThreadsAllRunExactlyOnce() throws Exception {
    int threads = 4;
    int perThread = 10_000;
    int[] ran = {0};
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> posters = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread poster =
          new Thread(
              () -> {
                try {
                  start.await();
                } catch (InterruptedException e) {
                  return;
                }
                for (int i = 0; i < perThread; i++) {
                  mailbox.put(() -> ran[0]++);
                }
              });
      poster.start();
      posters.add(poster);
    }
    start.countDown();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (ran[0] < threads * perThread && System.nanoTime() < deadline) {
      mailbox.runBatch();
    }
    for (Thread poster : posters) {
      poster.join(TimeUnit.SECONDS.toMillis(30));
    }
    mailbox.runBatch();
    assertThat(ran[0]).isEqualTo(threads * perThread);
  }
}
