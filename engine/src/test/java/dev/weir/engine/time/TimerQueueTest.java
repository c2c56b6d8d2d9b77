package dev.weir.engine.time;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.engine.operator.TimeDomain;
import dev.weir.engine.operator.Timer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class TimerQueueTest {

  private static Timer timer(long timestamp, long key) {
    return new Timer(timestamp, key, null, TimeDomain.EVENT_TIME, 0);
  }

  /**
   * Random registrations, re-registrations, deletions and polls against a model ordered by
   * (timestamp, first registration): the queue fires exactly the model's timers in the model's
   * order, and a capture taken at any point lists the model's timers in that order.
   */
  @Test
  void firesAndCapturesInTimestampThenRegistrationOrderUnderRandomOperations() {
    Random random = new Random(42);
    TimerQueue queue = new TimerQueue();
    TreeMap<long[], Timer> model =
        new TreeMap<>((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
    Map<Timer, long[]> slots = new HashMap<>();
    long sequence = 0;
    long time = 0;
    int polled = 0;
    for (int step = 0; step < 200_000; step++) {
      int op = random.nextInt(10);
      if (op < 5) {
        Timer t = timer(time + random.nextInt(50), random.nextInt(200));
        boolean added = queue.add(t);
        assertThat(added).isEqualTo(!slots.containsKey(t));
        if (added) {
          long[] slot = {t.timestamp(), sequence++};
          slots.put(t, slot);
          model.put(slot, t);
        }
      } else if (op < 7) {
        Timer t = timer(time + random.nextInt(50), random.nextInt(200));
        queue.remove(t);
        long[] slot = slots.remove(t);
        if (slot != null) {
          model.remove(slot);
        }
      } else if (op < 9) {
        time += random.nextInt(3);
        Timer fired = queue.pollUpTo(time);
        Map.Entry<long[], Timer> first = model.firstEntry();
        if (first == null || first.getKey()[0] > time) {
          assertThat(fired).isNull();
        } else {
          assertThat(fired).isEqualTo(first.getValue());
          model.pollFirstEntry();
          slots.remove(fired);
          polled++;
        }
      } else if (step % 97 == 0) {
        assertThat(queue.capture().inFiringOrder()).containsExactlyElementsOf(model.values());
      }
      assertThat(queue.size()).isEqualTo(model.size());
      assertThat(queue.earliest())
          .isEqualTo(model.isEmpty() ? Long.MAX_VALUE : model.firstKey()[0]);
    }
    assertThat(polled).isGreaterThan(10_000);
  }

  @Test
  void aCaptureIsNotChangedByWhatTheQueueDoesAfterwards() {
    TimerQueue queue = new TimerQueue();
    List<Timer> registered = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      Timer t = timer(1000 - i, i);
      queue.add(t);
      registered.add(0, t);
    }
    TimerQueue.Captured captured = queue.capture();
    while (queue.pollUpTo(Long.MAX_VALUE) != null) {}
    for (int i = 0; i < 500; i++) {
      queue.add(timer(i, -i));
    }
    assertThat(captured.inFiringOrder()).containsExactlyElementsOf(registered);
  }
}
