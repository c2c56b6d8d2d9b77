package dev.weir.engine.time;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.engine.operator.TimeDomain;
import dev.weir.engine.operator.Timer;
import dev.weir.state.KeyGroupRange;
import dev.weir.state.heap.HeapKeyedStateBackend;
import dev.weir.state.serialization.Serializers;
import dev.weir.state.serialization.TypeSerializer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Timers kept one per key and slot: setting one replaces the slot's timer in either domain, the
 * slot finds it for deletion, firing empties the slot, and restored timers take their slots.
 * Namespaces here are "slot:payload" strings whose slot is the part before the colon.
 */
class TimerSlotsTest {

  @SuppressWarnings({"unchecked", "rawtypes"})
  private final HeapKeyedStateBackend<Object> keys =
      new HeapKeyedStateBackend<>(
          (TypeSerializer) Serializers.STRING, KeyGroupRange.of(0, 127), 128);

  private final List<String> fired = new ArrayList<>();

  private KeyedTimerService slotted(HeapKeyedStateBackend<Object> backend, List<String> sink) {
    KeyedTimerService s =
        new KeyedTimerService(
            backend,
            ScheduledActions.manualClock(0),
            t -> sink.add(t.key() + " " + t.namespace() + " @" + t.timestamp()));
    s.setNamespaceSerializer(Serializers.STRING);
    s.setTimerSlots(ns -> ((String) ns).substring(0, ((String) ns).indexOf(':')));
    return s;
  }

  @Test
  void aSlotHoldsOneTimerThatMovesAcrossTimesAndDomains() throws Exception {
    KeyedTimerService s = slotted(keys, fired);
    keys.setCurrentKey("a");
    assertThat(s.setTimer("x:1", 10, TimeDomain.EVENT_TIME)).isNull();
    assertThat(s.setTimer("x:2", 20, TimeDomain.EVENT_TIME)).as("replaced").isEqualTo("x:1");
    assertThat(s.setTimer("x:2", 20, TimeDomain.EVENT_TIME)).as("same, stays").isEqualTo("x:2");
    assertThat(s.setTimer("y:1", 5, TimeDomain.EVENT_TIME)).isNull();
    keys.setCurrentKey("b");
    s.setTimer("x:9", 15, TimeDomain.EVENT_TIME);
    assertThat(s.eventTimerCount()).isEqualTo(3);
    keys.setCurrentKey("a");
    assertThat(s.setTimer("y:2", 1_000, TimeDomain.PROCESSING_TIME)).isEqualTo("y:1");
    assertThat(s.eventTimerCount()).isEqualTo(2);
    s.advanceWatermark(Long.MAX_VALUE);
    assertThat(fired).containsExactly("b x:9 @15", "a x:2 @20");
    keys.setCurrentKey("a");
    assertThat(s.deleteTimerInSlot("x")).as("fired: its slot is empty").isNull();
    assertThat(s.deleteTimerInSlot("y")).isEqualTo("y:2");
    s.fireAllProcessingTimeTimers();
    assertThat(fired).hasSize(2);
  }

  @Test
  void restoredTimersTakeTheirSlots() throws Exception {
    KeyedTimerService s = slotted(keys, fired);
    for (String key : List.of("a", "b", "c")) {
      keys.setCurrentKey(key);
      s.setTimer("x:" + key, 10, TimeDomain.EVENT_TIME);
      s.setTimer("y:" + key, 30, TimeDomain.PROCESSING_TIME);
    }
    byte[] bytes = s.snapshot().write();

    @SuppressWarnings({"unchecked", "rawtypes"})
    HeapKeyedStateBackend<Object> restoredKeys =
        new HeapKeyedStateBackend<>(
            (TypeSerializer) Serializers.STRING, KeyGroupRange.of(0, 127), 128);
    List<String> restoredFired = new ArrayList<>();
    KeyedTimerService restored = slotted(restoredKeys, restoredFired);
    restored.restore(List.of(bytes));
    List<Timer> visited = new ArrayList<>();
    restored.forEachTimer(visited::add);
    assertThat(visited).hasSize(6);
    restoredKeys.setCurrentKey("b");
    assertThat(restored.setTimer("x:moved", 40, TimeDomain.EVENT_TIME)).isEqualTo("x:b");
    restoredKeys.setCurrentKey("c");
    assertThat(restored.deleteTimerInSlot("y")).isEqualTo("y:c");
    restored.advanceWatermark(Long.MAX_VALUE);
    restored.fireAllProcessingTimeTimers();
    assertThat(restoredFired)
        .containsExactlyInAnyOrder(
            "a x:a @10", "c x:c @10", "b x:moved @40", "a y:a @30", "b y:b @30");
  }

  /** The index against a map, under random sets, deletions and firings over few slots and keys. */
  @Test
  void theSlotIndexAgreesWithAMapUnderRandomChanges() throws Exception {
    Random random = new Random(7);
    KeyedTimerService s = slotted(keys, fired);
    Map<String, String> model = new HashMap<>(); // "key/slot" -> namespace
    for (int i = 0; i < 20_000; i++) {
      String key = "k" + random.nextInt(200);
      String slot = "s" + random.nextInt(5);
      keys.setCurrentKey(key);
      int op = random.nextInt(10);
      if (op < 6) {
        String ns = slot + ":" + i;
        String replaced =
            (String) s.setTimer(ns, 1_000 + random.nextInt(1_000), TimeDomain.EVENT_TIME);
        assertThat(replaced).isEqualTo(model.put(key + "/" + slot, ns));
      } else if (op < 9) {
        assertThat(s.deleteTimerInSlot(slot)).isEqualTo(model.remove(key + "/" + slot));
      } else {
        fired.clear();
        long watermark = 1_000 + random.nextInt(1_000);
        s.advanceWatermark(watermark);
        for (String f : fired) {
          String[] parts = f.split(" ");
          String firedSlot = parts[1].substring(0, parts[1].indexOf(':'));
          assertThat(model.remove(parts[0] + "/" + firedSlot)).isEqualTo(parts[1]);
        }
      }
      assertThat(s.eventTimerCount()).isEqualTo(model.size());
    }
  }
}
