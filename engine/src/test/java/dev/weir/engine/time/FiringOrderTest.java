package dev.weir.engine.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FiringOrderTest {

  @Test
  void ordersByTimestampThenRegistrationLikeAComparator() {
    Random random = new Random(42);
    for (int n : List.of(0, 1, 2, 31, 32, 33, 64, 65, 1000, 4097)) {
      for (int trial = 0; trial < 5; trial++) {
        long[] timestamps = new long[n];
        long[] sequences = new long[n];
        // Few distinct timestamps (many ties), sequences unique and shuffled.
        int distinct = 1 + random.nextInt(Math.max(1, n / 4 + 1));
        List<Integer> shuffled = new ArrayList<>(IntStream.range(0, n).boxed().toList());
        Collections.shuffle(shuffled, random);
        for (int i = 0; i < n; i++) {
          timestamps[i] =
              random.nextInt(distinct)
                  - distinct / 2
                  + (trial == 4 ? Long.MAX_VALUE - distinct : 0);
          sequences[i] = shuffled.get(i) * 3L;
        }
        int[] expected =
            IntStream.range(0, n)
                .boxed()
                .sorted(
                    Comparator.<Integer>comparingLong(i -> timestamps[i])
                        .thenComparingLong(i -> sequences[i]))
                .mapToInt(Integer::intValue)
                .toArray();

        assertThat(FiringOrder.sort(timestamps, sequences))
            .as("%d timers, trial %d", n, trial)
            .containsExactly(expected);
      }
    }
  }

  @Test
  void refusesArraysOfDifferentLengths() {
    assertThatThrownBy(() -> FiringOrder.sort(new long[3], new long[2]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("3 timestamps but 2");
  }
}
