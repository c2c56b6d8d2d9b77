package dev.weir.translation.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.DataOutputView;
import java.util.Arrays;
import org.apache.beam.runners.core.StateNamespace;
import org.apache.beam.runners.core.StateNamespaces;
import org.apache.beam.runners.core.TimerInternals.TimerData;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

class TimerDataSerializerTest {

  private final TimerDataSerializer serializer = new TimerDataSerializer(IntervalWindow.getCoder());

  @Test
  void aCompactTimerIsWrittenAsTheTimerDataItStandsFor() throws Exception {
    StateNamespace window =
        StateNamespaces.window(
            IntervalWindow.getCoder(), new IntervalWindow(new Instant(0), new Instant(10)));
    for (TimeDomain domain : TimeDomain.values()) {
      TimerIdentity identity =
          new TimerIdentity(
              window, "end", "family", domain, TimerIdentity.slotOf("w", "end", "family"));
      CompactTimer compact = new CompactTimer(identity, 1_234L);
      Instant time = new Instant(1_234L);
      TimerData full = TimerData.of("end", "family", window, time, time, domain);

      assertThat(compact.toTimerData()).isEqualTo(full);
      byte[] compactBytes = bytes(compact);
      assertThat(compactBytes).isEqualTo(bytes(full));
      DataInputView in = new DataInputView();
      in.setBuffer(compactBytes, 0, compactBytes.length);
      assertThat(serializer.deserialize(in)).isEqualTo(full);
    }
  }

  @Test
  void onlyTimersFiringAtTheirOutputTimestampAreCompact() {
    StateNamespace global = StateNamespaces.global();
    Instant time = new Instant(50);

    assertThat(
            CompactTimer.canHold(TimerData.of("t", "", global, time, time, TimeDomain.EVENT_TIME)))
        .isTrue();
    assertThat(
            CompactTimer.canHold(
                TimerData.of("t", "", global, time, time.minus(1), TimeDomain.EVENT_TIME)))
        .isFalse();
    assertThat(
            CompactTimer.canHold(
                TimerData.of("t", "", global, time, time, TimeDomain.EVENT_TIME).deleted()))
        .isFalse();
  }

  private byte[] bytes(Object timer) {
    DataOutputView out = new DataOutputView(64);
    serializer.serialize(timer, out);
    return Arrays.copyOf(out.array(), out.length());
  }
}
