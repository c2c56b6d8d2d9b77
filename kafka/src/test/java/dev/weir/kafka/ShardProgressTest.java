package dev.weir.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ShardProgressTest {

  @Test
  void readsBackWhatItWrote() {
    ShardProgress p = new ShardProgress(41, "5f0c9a1e-7d2b-4c1e-9a55-0b8f3e2d6c71");
    assertThat(ShardProgress.decode(p.encode(), "g")).isEqualTo(p);
    ShardProgress none = new ShardProgress(-1, "w");
    assertThat(ShardProgress.decode(none.encode(), "g")).isEqualTo(none);
  }

  @Test
  void metadataOfAnythingElseIsRefusedNamingTheGroup() {
    // What KafkaIO's own exactly-once sink writes, a newer version, and garbage.
    for (String foreign :
        new String[] {
          "{\"seq\":12,\"id\":\"5A - 2026-12-01 10:00:00\"}",
          "weir-eos/2 seq=3 writer=w",
          "weir-eos/1 seq=-7 writer=w",
          "weir-eos/1 seq=3 writer=a b",
          "weir-eos/1 seq=99999999999999999999 writer=w"
        }) {
      assertThatThrownBy(() -> ShardProgress.decode(foreign, "sink-group"))
          .as(foreign)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("'sink-group'")
          .hasMessageContaining("sinkGroupId of its own");
    }
  }
}
