package dev.weir.engine.time;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WatermarkValveTest {

  private final List<Long> emitted = new ArrayList<>();
  private final List<Boolean> idleChanges = new ArrayList<>();
  private final WatermarkValve valve =
      new WatermarkValve(
          3,
          new WatermarkValve.Listener() {
            @Override
            public void onWatermark(long watermark) {
              emitted.add(watermark);
            }

            @Override
            public void onIdleChange(boolean idle) {
              idleChanges.add(idle);
            }
          });

  @Test
  void theInputWatermarkIsTheMinimumOverChannelsArrivingOutOfOrder() throws Exception {
    valve.onWatermark(0, 10);
    valve.onWatermark(1, 5);
    assertThat(emitted).isEmpty(); // channel 2 has said nothing yet
    valve.onWatermark(2, 7);
    assertThat(emitted).containsExactly(5L);
    valve.onWatermark(1, 20);
    assertThat(emitted).containsExactly(5L, 7L);
    valve.onWatermark(2, 30);
    assertThat(emitted).containsExactly(5L, 7L, 10L);
    assertThat(valve.current()).isEqualTo(10);
  }

  @Test
  void aChannelGoingBackwardsChangesNothing() throws Exception {
    valve.onWatermark(0, 10);
    valve.onWatermark(1, 10);
    valve.onWatermark(2, 10);
    valve.onWatermark(0, 3);
    valve.onWatermark(1, 3);
    valve.onWatermark(2, 3);
    assertThat(emitted).containsExactly(10L);
    valve.onWatermark(0, 12);
    valve.onWatermark(1, 11);
    valve.onWatermark(2, 11);
    assertThat(emitted).containsExactly(10L, 11L);
  }

  @Test
  void idleChannelsAreLeftOutAndTheWatermarkNeverGoesBackWhenTheyReturn() throws Exception {
    valve.onWatermark(0, 10);
    valve.onWatermark(1, 20);
    valve.onIdle(2);
    assertThat(emitted).containsExactly(10L);
    valve.onIdle(0);
    assertThat(emitted).containsExactly(10L, 20L);
    // Channel 0 comes back behind the combined watermark: no regression.
    valve.onWatermark(0, 15);
    assertThat(emitted).containsExactly(10L, 20L);
    assertThat(valve.current()).isEqualTo(20);
    valve.onWatermark(0, 25);
    valve.onWatermark(1, 30);
    assertThat(emitted).containsExactly(10L, 20L, 25L);
    assertThat(idleChanges).isEmpty();
  }

  @Test
  void allChannelsIdleMakesTheTaskIdleUntilOneReturns() throws Exception {
    valve.onIdle(0);
    valve.onIdle(1);
    assertThat(idleChanges).isEmpty();
    valve.onIdle(2);
    assertThat(idleChanges).containsExactly(true);
    assertThat(valve.isIdle()).isTrue();
    valve.onWatermark(1, 4);
    assertThat(idleChanges).containsExactly(true, false);
    assertThat(emitted).containsExactly(4L);
  }

  @Test
  void endedChannelsHoldNothingBack() throws Exception {
    valve.onWatermark(0, 10);
    valve.onEnd(1);
    valve.onEnd(2);
    assertThat(emitted).containsExactly(10L);
    valve.onEnd(0);
    assertThat(emitted).containsExactly(10L, Watermarks.MAX);
  }

  @Test
  void anEndedChannelBesideIdleOnesDoesNotPushTheWatermarkToTheEnd() throws Exception {
    valve.onWatermark(0, 10);
    valve.onWatermark(1, 10);
    valve.onWatermark(2, 10);
    valve.onIdle(1);
    valve.onIdle(2);
    valve.onEnd(0);
    assertThat(emitted).containsExactly(10L); // held: the idle channels may still send data at 11
    valve.onWatermark(1, 20);
    assertThat(emitted).containsExactly(10L, 20L);
    valve.onEnd(1);
    valve.onEnd(2);
    assertThat(emitted).containsExactly(10L, 20L, Watermarks.MAX);
  }
}
