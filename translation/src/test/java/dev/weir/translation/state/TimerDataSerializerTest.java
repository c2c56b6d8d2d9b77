package dev.weir.translation.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.engine.operator.Timer;
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
  void aTimerKeptAsItsIdentityIsWrittenAsTheTimerDataItStandsFor() throws Exception {
    StateNamespace window =
        StateNamespaces.window(
            IntervalWindow.getCoder(), new IntervalWindow(new Instant(0), new Instant(10)));
    for (TimeDomain domain : TimeDomain.values()) {
      TimerIdentity identity =
          new TimerIdentity(
              window, "end", "family", domain, TimerIdentity.slotOf("w", "end", "family"));
      // The engine registers a Beam timer one millisecond later than its Beam time.
      Timer engineTimer =
          new Timer(1_235L, "key", identity, dev.weir.engine.operator.TimeDomain.EVENT_TIME, 0);
      Instant time = new Instant(1_234L);
      TimerData full = TimerData.of("end", "family", window, time, time, domain);

      assertThat(WeirTimerInternals.timerData(engineTimer)).isEqualTo(full);
      DataOutputView out = new DataOutputView(64);
      serializer.serialize(identity, engineTimer.timestamp(), out);
      byte[] identityBytes = Arrays.copyOf(out.array(), out.length());
      assertThat(identityBytes).isEqualTo(bytes(full));
      DataInputView in = new DataInputView();
      in.setBuffer(identityBytes, 0, identityBytes.length);
      assertThat(serializer.deserialize(in)).isEqualTo(full);
      assertThatThrownBy(() -> bytes(identity))
          .as("an identity alone does not say when its timer is due")
          .isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void onlyTimersFiringAtTheirOutputTimestampAreKeptAsTheirIdentity() {
    StateNamespace global = StateNamespaces.global();
    Instant time = new Instant(50);

    assertThat(
            WeirTimerInternals.keptAsIdentity(
                TimerData.of("t", "", global, time, time, TimeDomain.EVENT_TIME)))
        .isTrue();
    assertThat(
            WeirTimerInternals.keptAsIdentity(
                TimerData.of("t", "", global, time, time.minus(1), TimeDomain.EVENT_TIME)))
        .isFalse();
    assertThat(
            WeirTimerInternals.keptAsIdentity(
                TimerData.of("t", "", global, time, time, TimeDomain.EVENT_TIME).deleted()))
        .isFalse();
    Instant beyond = new Instant(Long.MAX_VALUE);
    assertThat(
            WeirTimerInternals.keptAsIdentity(
                TimerData.of("t", "", global, beyond, beyond, TimeDomain.PROCESSING_TIME)))
        .as("not a Beam timestamp: its engine time would not map back")
        .isFalse();
  }

  private byte[] bytes(Object timer) {
    DataOutputView out = new DataOutputView(64);
    serializer.serialize(timer, out);
    return Arrays.copyOf(out.array(), out.length());
  }
}
