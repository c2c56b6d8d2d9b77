package dev.weir.engine.time;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.engine.operator.TimedNamespaceSerializer;
import dev.weir.engine.operator.Timer;
import dev.weir.state.KeyGroupRange;
import dev.weir.state.KeyedStateBackend;
import dev.weir.state.heap.HeapKeyedStateBackend;
import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.DataOutputView;
import dev.weir.state.serialization.Serializers;
import dev.weir.state.serialization.TypeSerializer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class KeyedTimerServiceTest {

  @SuppressWarnings({"unchecked", "rawtypes"})
  private final HeapKeyedStateBackend<Object> keys =
      new HeapKeyedStateBackend<>(
          (TypeSerializer) Serializers.STRING, KeyGroupRange.of(0, 127), 128);

  @Test
  void reArmingProcessingTimersKeepsASingleWakeUpScheduled() throws Exception {
    ScheduledActions clock = ScheduledActions.manualClock(0);
    AtomicInteger wakeUps = new AtomicInteger();
    ProcessingTimeScheduler counting =
        new ProcessingTimeScheduler() {
          @Override
          public long currentTimeMillis() {
            return clock.currentTimeMillis();
          }

          @Override
          public void scheduleAt(long time, Action action) {
            clock.scheduleAt(
                time,
                () -> {
                  wakeUps.incrementAndGet();
                  action.run();
                });
          }
        };
    KeyedTimerService[] service = new KeyedTimerService[1];
    List<String> fired = new ArrayList<>();
    service[0] =
        new KeyedTimerService(
            keys,
            counting,
            t -> {
              fired.add(t.key() + "@" + t.timestamp());
              service[0].registerProcessingTimeTimer(null, t.timestamp() + 1000);
            });
    keys.setCurrentKey("a");
    service[0].registerProcessingTimeTimer(null, 1000);
    keys.setCurrentKey("b");
    service[0].registerProcessingTimeTimer(null, 1500);
    for (int i = 1; i <= 200; i++) {
      clock.setManualTime(i * 1000L);
      clock.runDue();
      clock.setManualTime(i * 1000L + 500);
      clock.runDue();
    }
    assertThat(fired).hasSize(400);
    assertThat(wakeUps.get()).isLessThanOrEqualTo(402);
  }

  @Test
  void deletedTimersLeaveNothingBehindAndReRegistrationFiresOnce() throws Exception {
    List<Timer> fired = new ArrayList<>();
    KeyedTimerService service =
        new KeyedTimerService(keys, ScheduledActions.manualClock(0), fired::add);
    keys.setCurrentKey("k");
    for (int i = 0; i < 1000; i++) {
      service.registerEventTimeTimer("w", 5);
      service.deleteEventTimeTimer("w", 5);
    }
    assertThat(service.eventTimerCount()).isZero();
    service.registerEventTimeTimer("w", 5);
    service.registerEventTimeTimer("w", 5);
    service.advanceWatermark(10);
    assertThat(fired).hasSize(1);
  }

  /**
   * A timer snapshot is the timers at the barrier: timers deleted, added and fired before the
   * snapshot is written are not in it.
   */
  @Test
  void aTimerSnapshotIsTheTimersAtTheBarrierWhateverHappensBeforeItIsWritten() throws Exception {
    List<String> fired = new ArrayList<>();
    KeyedTimerService service =
        new KeyedTimerService(keys, ScheduledActions.manualClock(0), t -> fired.add(describe(t)));
    service.setNamespaceSerializer(Serializers.STRING);
    List<String> atBarrier = new ArrayList<>();
    for (int k = 0; k < 50; k++) {
      keys.setCurrentKey("k" + k);
      service.registerEventTimeTimer("w", 100 + k);
      service.registerProcessingTimeTimer("p", 1_000 + k);
      atBarrier.add("EVENT_TIME k" + k + " w @" + (100 + k));
      atBarrier.add("PROCESSING_TIME k" + k + " p @" + (1_000 + k));
    }
    KeyedStateBackend.StateSnapshot snapshot = service.snapshot();
    for (int k = 0; k < 50; k += 2) {
      keys.setCurrentKey("k" + k);
      service.deleteEventTimeTimer("w", 100 + k);
      service.deleteProcessingTimeTimer("p", 1_000 + k);
      service.registerEventTimeTimer("later", 200 + k);
    }
    service.advanceWatermark(120);
    assertThat(fired).as("timers fired after the barrier").isNotEmpty();
    byte[] bytes = snapshot.write();

    @SuppressWarnings({"unchecked", "rawtypes"})
    HeapKeyedStateBackend<Object> restoredKeys =
        new HeapKeyedStateBackend<>(
            (TypeSerializer) Serializers.STRING, KeyGroupRange.of(0, 127), 128);
    List<String> restoredTimers = new ArrayList<>();
    KeyedTimerService restored =
        new KeyedTimerService(
            restoredKeys, ScheduledActions.manualClock(0), t -> restoredTimers.add(describe(t)));
    restored.setNamespaceSerializer(Serializers.STRING);
    restored.restore(List.of(bytes));
    restored.completeRestore();
    restored.advanceWatermark(Long.MAX_VALUE);
    restored.fireAllProcessingTimeTimers();
    assertThat(restoredTimers).containsExactlyInAnyOrderElementsOf(atBarrier);
  }

  /** A namespace serializer that asks for the time writes each timer's namespace with its time. */
  @Test
  void aTimedNamespaceSerializerIsGivenEachTimersTime() throws Exception {
    TimedNamespaceSerializer withTime =
        new TimedNamespaceSerializer() {
          @Override
          public void serialize(Object namespace, long timestamp, DataOutputView out)
              throws IOException {
            Serializers.STRING.serialize(namespace + "#" + timestamp, out);
          }

          @Override
          public void serialize(Object namespace, DataOutputView out) {
            throw new AssertionError("written without its time: " + namespace);
          }

          @Override
          public Object deserialize(DataInputView in) throws IOException {
            return Serializers.STRING.deserialize(in);
          }
        };
    KeyedTimerService service =
        new KeyedTimerService(keys, ScheduledActions.manualClock(0), t -> {});
    service.setNamespaceSerializer(withTime);
    List<String> expected = new ArrayList<>();
    for (int k = 0; k < 10; k++) {
      keys.setCurrentKey("k" + k);
      service.registerEventTimeTimer("w", 100 + k);
      service.registerProcessingTimeTimer("p", 1_000 + k);
      expected.add("EVENT_TIME k" + k + " w#" + (100 + k) + " @" + (100 + k));
      expected.add("PROCESSING_TIME k" + k + " p#" + (1_000 + k) + " @" + (1_000 + k));
    }
    byte[] bytes = service.snapshot().write();

    List<String> restoredTimers = new ArrayList<>();
    KeyedTimerService restored =
        new KeyedTimerService(
            keys, ScheduledActions.manualClock(0), t -> restoredTimers.add(describe(t)));
    restored.setNamespaceSerializer(withTime);
    restored.restore(List.of(bytes));
    restored.completeRestore();
    restored.advanceWatermark(Long.MAX_VALUE);
    restored.fireAllProcessingTimeTimers();
    assertThat(restoredTimers).containsExactlyInAnyOrderElementsOf(expected);
  }

  private static String describe(Timer t) {
    return t.domain() + " " + t.key() + " " + t.namespace() + " @" + t.timestamp();
  }
}
