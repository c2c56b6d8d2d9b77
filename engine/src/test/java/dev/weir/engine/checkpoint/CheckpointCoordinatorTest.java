package dev.weir.engine.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.weir.engine.exchange.ExchangeEvent.CheckpointBarrier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointCoordinatorTest {

  @TempDir Path dir;

  private final List<CheckpointCoordinator> coordinators = new ArrayList<>();

  @AfterEach
  void closeCoordinators() {
    coordinators.forEach(CheckpointCoordinator::close);
  }

  /** A task that records what the coordinator told it; {@code onTrigger} may acknowledge. */
  private static final class FakeTask implements CheckpointParticipant {
    final String name;
    final List<CheckpointBarrier> triggers = new CopyOnWriteArrayList<>();
    final List<Long> triggerNanos = new CopyOnWriteArrayList<>();
    final List<Long> completed = new CopyOnWriteArrayList<>();
    final List<Long> completedNanos = new CopyOnWriteArrayList<>();
    final List<Long> aborted = new CopyOnWriteArrayList<>();
    volatile Consumer<CheckpointBarrier> onTrigger = b -> {};

    FakeTask(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public void triggerCheckpoint(CheckpointBarrier barrier) {
      triggers.add(barrier);
      triggerNanos.add(System.nanoTime());
      onTrigger.accept(barrier);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
      completedNanos.add(System.nanoTime());
      completed.add(checkpointId);
    }

    @Override
    public void abortCheckpoint(long checkpointId, String reason) {
      aborted.add(checkpointId);
    }
  }

  private CheckpointCoordinator coordinator(CheckpointConfig config, FakeTask... tasks) {
    CheckpointCoordinator c =
        new CheckpointCoordinator("job", config, new CheckpointStorage(config.directory()));
    coordinators.add(c);
    c.setParticipants(List.of(tasks));
    return c;
  }

  private CheckpointConfig manual() {
    return CheckpointConfig.every(Duration.ZERO, dir);
  }

  private static TaskStateHandle handle(FakeTask task) {
    return new TaskStateHandle(task.name + ".state", 10, 0, List.of());
  }

  private static void ack(CheckpointCoordinator c, long id, FakeTask task) {
    c.acknowledge(id, task, handle(task), 1_000, 2_000);
  }

  /**
   * Issue 12, point 6: an exception out of a periodic trigger cancelled the fixed-delay schedule,
   * and with it every later checkpoint; the checkpoint it left pending blocked the rest anyway.
   */
  @Test
  void aPeriodicTriggerThatThrowsOnceDoesNotStopLaterCheckpoints() {
    FakeTask task = new FakeTask("flaky");
    AtomicInteger triggers = new AtomicInteger();
    CheckpointCoordinator[] c = new CheckpointCoordinator[1];
    task.onTrigger =
        b -> {
          if (triggers.incrementAndGet() == 1) {
            throw new IllegalStateException("injected: the task could not be told");
          }
          ack(c[0], b.checkpointId(), task);
        };
    c[0] = coordinator(CheckpointConfig.every(Duration.ofMillis(10), dir), task);
    c[0].start();
    await().atMost(Duration.ofSeconds(10)).until(() -> c[0].stats().completed() >= 2);
    assertThat(c[0].stats().failed()).isEqualTo(1);
    assertThat(c[0].stats().lastFailure())
        .contains("checkpoint 1 failed because triggering it failed")
        .contains("injected");
  }

  @Test
  void aCheckpointCompletesOnceEveryTaskAcknowledgedIt() throws Exception {
    FakeTask a = new FakeTask("a");
    FakeTask b = new FakeTask("b");
    CheckpointCoordinator c = coordinator(manual(), a, b);

    CompletableFuture<CompletedCheckpoint> result = c.trigger(false);

    assertThat(a.triggers).extracting(CheckpointBarrier::checkpointId).containsExactly(1L);
    assertThat(b.triggers).extracting(CheckpointBarrier::checkpointId).containsExactly(1L);
    ack(c, 1, a);
    assertThat(result).isNotDone();
    ack(c, 1, b);

    CompletedCheckpoint done = result.get(10, TimeUnit.SECONDS);
    assertThat(done.id()).isEqualTo(1);
    assertThat(done.sizeBytes()).isEqualTo(20);
    assertThat(Files.exists(done.folder().resolve(CheckpointStorage.METADATA))).isTrue();
    assertThat(a.completed).containsExactly(1L);
    assertThat(b.completed).containsExactly(1L);
    assertThat(c.latestCompleted()).isEqualTo(done);
    assertThat(c.stats().completed()).isEqualTo(1);
  }

  /**
   * Issue 12, point 1: a failover restores the latest checkpoint, from before an intermediate
   * savepoint, so completing that savepoint must commit nothing (sources would ack what the
   * restored job reads again). Today's code notified every completed savepoint.
   */
  @Test
  void onlyCheckpointsAndStopWithSavepointAreToldComplete() throws Exception {
    FakeTask a = new FakeTask("a");
    CheckpointCoordinator c = coordinator(manual(), a);

    CompletableFuture<CompletedCheckpoint> savepoint = c.trigger(true);
    ack(c, 1, a);
    assertThat(savepoint.get(10, TimeUnit.SECONDS).savepoint()).isTrue();
    CompletableFuture<CompletedCheckpoint> checkpoint = c.trigger(false);
    ack(c, 2, a);
    checkpoint.get(10, TimeUnit.SECONDS);
    CompletableFuture<CompletedCheckpoint> stop = c.trigger(true, true);
    ack(c, 3, a);
    stop.get(10, TimeUnit.SECONDS);

    assertThat(a.completed)
        .as("the intermediate savepoint 1 commits nothing")
        .containsExactly(2L, 3L);
  }

  @Test
  void lateAcknowledgementsAndTasksOfAnotherDeploymentAreIgnored() {
    FakeTask a = new FakeTask("a");
    FakeTask stranger = new FakeTask("old deployment");
    CheckpointCoordinator c = coordinator(manual(), a);

    CompletableFuture<CompletedCheckpoint> result = c.trigger(false);
    ack(c, 1, stranger);
    ack(c, 7, a);

    assertThat(result).isNotDone();
    assertThat(a.completed).isEmpty();
  }

  @Test
  void aDeclinedCheckpointFailsNamingTheTaskAndTheNextQueuedOneStarts() {
    FakeTask a = new FakeTask("a");
    FakeTask b = new FakeTask("b");
    CheckpointCoordinator c = coordinator(manual(), a, b);
    CompletableFuture<CompletedCheckpoint> first = c.trigger(false);
    CompletableFuture<CompletedCheckpoint> savepoint = c.trigger(true);
    assertThat(a.triggers).as("one checkpoint in flight at a time").hasSize(1);

    c.decline(1, b, new IllegalStateException("disk full"));

    assertThatThrownBy(() -> first.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(CheckpointException.class)
        .hasMessageContaining("task b declined it")
        .hasMessageContaining("disk full");
    assertThat(a.aborted).containsExactly(1L);
    await().atMost(Duration.ofSeconds(10)).until(() -> a.triggers.size() == 2);
    assertThat(a.triggers.get(1).savepoint()).isTrue();
    assertThat(savepoint).isNotDone();
    assertThat(c.stats().failed()).isEqualTo(1);
  }

  @Test
  void aCheckpointNotCompleteInTimeIsAbortedAndItsFolderDeleted() throws Exception {
    FakeTask a = new FakeTask("a");
    FakeTask b = new FakeTask("b");
    CheckpointCoordinator c = coordinator(manual().withTimeout(Duration.ofMillis(200)), a, b);
    CompletableFuture<CompletedCheckpoint> result = c.trigger(false);
    Path folder = c.storage().folderOf(1, false);
    Files.createDirectories(folder);
    Files.writeString(folder.resolve("a.state"), "written before the timeout");
    ack(c, 1, a);

    assertThatThrownBy(() -> result.get(10, TimeUnit.SECONDS))
        .hasMessageContaining("did not complete within 200 ms");
    assertThat(a.aborted).containsExactly(1L);
    assertThat(b.aborted).containsExactly(1L);
    await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(folder));
    ack(c, 1, b); // too late: nothing happens
    assertThat(a.completed).isEmpty();
  }

  @Test
  void futureCallbacksDoNotRunUnderTheCoordinatorsLock() throws Exception {
    FakeTask a = new FakeTask("a");
    CheckpointCoordinator c = coordinator(manual(), a);
    CompletableFuture<Boolean> heldLockInCallback = new CompletableFuture<>();
    c.trigger(false)
        .whenComplete((ok, failure) -> heldLockInCallback.complete(Thread.holdsLock(c)));

    c.suspend("the job is restarting");

    assertThat(heldLockInCallback.get(10, TimeUnit.SECONDS)).isFalse();
  }

  @Test
  void theMinimumPauseSeparatesTheEndOfOneCheckpointFromTheStartOfTheNext() {
    Duration pause = Duration.ofMillis(300);
    FakeTask a = new FakeTask("a");
    CheckpointConfig config =
        CheckpointConfig.every(Duration.ofMillis(10), dir).withMinPause(pause);
    CheckpointCoordinator c = coordinator(config, a);
    a.onTrigger = barrier -> ack(c, barrier.checkpointId(), a);

    c.start();
    await().atMost(Duration.ofSeconds(20)).until(() -> a.completed.size() >= 3);

    for (int i = 1; i < 3; i++) {
      long gapNanos = a.triggerNanos.get(i) - a.completedNanos.get(i - 1);
      // The interval alone (10 ms) would start the next checkpoint within about 10 ms.
      assertThat(gapNanos).isGreaterThanOrEqualTo(pause.toNanos() * 9 / 10);
    }
  }

  @Test
  void onlyTheNewestRetainedCheckpointsStayOnDisk() throws Exception {
    FakeTask a = new FakeTask("a");
    CheckpointCoordinator c = coordinator(manual().withRetained(2), a);
    for (long id = 1; id <= 4; id++) {
      CompletableFuture<CompletedCheckpoint> result = c.trigger(false);
      ack(c, id, a);
      result.get(10, TimeUnit.SECONDS);
    }
    CompletableFuture<CompletedCheckpoint> savepoint = c.trigger(true);
    ack(c, 5, a);
    savepoint.get(10, TimeUnit.SECONDS);

    for (long id = 1; id <= 4; id++) {
      assertThat(Files.exists(c.storage().folderOf(id, false))).as("chk-%d", id).isEqualTo(id > 2);
    }
    assertThat(Files.exists(c.storage().folderOf(5, true)))
        .as("savepoints are not retired")
        .isTrue();
    assertThat(c.latestCompleted().id())
        .as("a savepoint is not the latest checkpoint")
        .isEqualTo(4);
  }

  @Test
  void aCompletionRacingARestartSettlesEveryCheckpointExactlyOnce() throws Exception {
    FakeTask a = new FakeTask("a");
    FakeTask b = new FakeTask("b");
    CheckpointCoordinator c = coordinator(manual(), a, b);
    Map<Long, Boolean> outcome = new ConcurrentHashMap<>();
    for (int round = 0; round < 200; round++) {
      c.setParticipants(List.of(a, b));
      CompletableFuture<CompletedCheckpoint> result = c.trigger(false);
      long id = a.triggers.get(a.triggers.size() - 1).checkpointId();
      Thread restart = new Thread(() -> c.suspend("the job is restarting"));
      ack(c, id, a);
      restart.start();
      ack(c, id, b);
      restart.join(10_000);
      try {
        result.get(10, TimeUnit.SECONDS);
        outcome.put(id, true);
      } catch (ExecutionException e) {
        assertThat(e).hasCauseInstanceOf(CheckpointException.class);
        outcome.put(id, false);
      }
    }
    c.close(); // lets queued storage work finish

    Set<Long> notified = Set.copyOf(a.completed);
    Set<Long> retained =
        Set.copyOf(
            outcome.entrySet().stream()
                .filter(Map.Entry::getValue)
                .map(Map.Entry::getKey)
                .sorted(Comparator.reverseOrder())
                .limit(2)
                .toList());
    assertThat(Set.copyOf(b.completed)).isEqualTo(notified);
    for (Map.Entry<Long, Boolean> e : outcome.entrySet()) {
      long id = e.getKey();
      boolean completed = e.getValue();
      assertThat(notified.contains(id)).as("checkpoint %d told complete", id).isEqualTo(completed);
      assertThat(Files.exists(c.storage().folderOf(id, false)))
          .as("checkpoint %d folder kept", id)
          .isEqualTo(retained.contains(id));
    }
    assertThat(outcome).hasSize(200);
  }
}
