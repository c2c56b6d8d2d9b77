package dev.weir.translation.state;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

class OutputTimestampsTest {

  @Test
  void combinesAsBeamDoesForEveryCombiner() {
    SplittableRandom random = new SplittableRandom(42);
    for (TimestampCombiner combiner : TimestampCombiner.values()) {
      for (int i = 0; i < 1_000; i++) {
        long first = random.nextLong(-1_000_000, 1_000_000);
        long second = i % 10 == 0 ? first : random.nextLong(-1_000_000, 1_000_000);
        long expected = combiner.combine(new Instant(first), new Instant(second)).getMillis();
        assertEquals(
            expected,
            OutputTimestamps.combine(combiner, first, second),
            combiner + " of " + first + " and " + second);
      }
    }
  }
}
