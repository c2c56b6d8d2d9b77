package dev.weir.engine.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.engine.operator.AbstractOperator;
import dev.weir.engine.operator.Operators;
import dev.weir.engine.operator.TimeDomain;
import dev.weir.engine.operator.Timer;
import dev.weir.state.StateSpec;
import dev.weir.state.ValueState;
import dev.weir.state.serialization.Serializers;
import java.util.List;
import org.junit.jupiter.api.Test;

class OperatorTestHarnessTest {

  record Event(String key, long time) {}

  /**
   * Counts events per key and emits "key:count@time" when an event-time timer at each event's time
   * + 10 fires, and "key:ping@time" for processing-time timers.
   */
  static final class CountWithTimers extends AbstractOperator<Event, String> {
    static final StateSpec<Void, ValueState<Void, Long>> COUNT =
        StateSpec.value("count", Serializers.VOID, Serializers.LONG);

    @Override
    public void processElement(Event e) {
      ValueState<Void, Long> count = context.state(COUNT);
      Long c = count.value(null);
      count.update(null, c == null ? 1 : c + 1);
      context.timerService().registerEventTimeTimer("window", e.time() + 10);
      context.timerService().registerProcessingTimeTimer("ping", 1_000);
    }

    @Override
    public void onTimer(Timer timer) {
      if (timer.domain() == TimeDomain.EVENT_TIME) {
        output.emit(
            context.currentKey()
                + ":"
                + context.state(COUNT).value(null)
                + "@"
                + timer.timestamp());
      } else {
        output.emit(context.currentKey() + ":ping@" + timer.timestamp());
      }
    }
  }

  @Test
  void eventTimeTimersFireInTimestampOrderWithTheirKeyCurrentAndAreDeduplicated() throws Exception {
    var h = OperatorTestHarness.keyed(new CountWithTimers(), Event::key).open();
    h.processElement(new Event("b", 30));
    h.processElement(new Event("a", 5));
    h.processElement(new Event("a", 5)); // same timer again: registered once
    h.processElement(new Event("c", 12));
    assertThat(h.eventTimeTimers()).isEqualTo(3);

    h.processWatermark(14);
    assertThat(h.output()).isEmpty();
    h.processWatermark(22);
    assertThat(h.output()).containsExactly("a:2@15", "c:1@22");
    h.processWatermark(100);
    assertThat(h.output()).containsExactly("a:2@15", "c:1@22", "b:1@40");
    assertThat(h.watermarks()).containsExactly(14L, 22L, 100L);
    assertThat(h.eventTimeTimers()).isZero();
    h.close();
  }

  @Test
  void processingTimeTimersFireWhenTheClockReachesThem() throws Exception {
    var h = OperatorTestHarness.keyed(new CountWithTimers(), Event::key).open();
    h.processElement(new Event("x", 0));
    h.processElement(new Event("y", 0));
    assertThat(h.processingTimeTimers()).isEqualTo(2);
    h.setProcessingTime(999);
    assertThat(h.output()).isEmpty();
    h.setProcessingTime(1_000);
    assertThat(h.output()).containsExactlyInAnyOrder("x:ping@1000", "y:ping@1000");
    assertThat(h.processingTimeTimers()).isZero();
  }

  @Test
  void deletedTimersDoNotFire() throws Exception {
    var op =
        new AbstractOperator<Event, String>() {
          @Override
          public void processElement(Event e) {
            context.timerService().registerEventTimeTimer("w", e.time());
            if (e.key().startsWith("-")) {
              context.timerService().deleteEventTimeTimer("w", e.time());
            }
          }

          @Override
          public void onTimer(Timer timer) {
            output.emit(context.currentKey() + "@" + timer.timestamp());
          }
        };
    var h = OperatorTestHarness.keyed(op, Event::key).open();
    h.processElement(new Event("k", 5));
    h.processElement(new Event("-k", 6));
    h.processWatermark(10);
    assertThat(h.output()).containsExactly("k@5");
  }

  @Test
  void keyedStateSurvivesASnapshotIntoANewHarness() throws Exception {
    var h = OperatorTestHarness.keyed(new CountWithTimers(), Event::key).open();
    h.processElement(new Event("a", 1));
    h.processElement(new Event("a", 1));
    h.processElement(new Event("b", 1));
    byte[] snapshot = h.snapshotKeyedState();

    var restored =
        OperatorTestHarness.keyed(new CountWithTimers(), Event::key, 1, List.of(snapshot)).open();
    restored.processElement(new Event("a", 50));
    restored.processWatermark(100);
    assertThat(restored.output()).containsExactly("a:3@60");
  }

  @Test
  void endInputSendsTheFinalWatermarkThenFinishes() throws Exception {
    var h = OperatorTestHarness.keyed(new CountWithTimers(), Event::key).open();
    h.processElement(new Event("z", 1_000));
    h.endInput();
    assertThat(h.output()).containsExactly("z:1@1010");
    assertThat(h.watermarks()).containsExactly(Long.MAX_VALUE);
  }

  @Test
  void aStatelessOperatorHasNoKeyedState() throws Exception {
    var h = OperatorTestHarness.of(Operators.map((Long v) -> v + 1)).open();
    h.processElement(41L);
    assertThat(h.output()).containsExactly(42L);
    assertThat(h.keyedState()).isNull();
    var stateful = OperatorTestHarness.of(new CountWithTimers()).open();
    assertThatThrownBy(() -> stateful.processElement(new Event("a", 1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("only an operator that consumes a HASH edge is keyed");
  }
}
