package dev.weir.state;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KeyGroupsTest {

  @Test
  void rangesOfAllSubtasksPartitionTheKeyGroupsAndAgreeWithSubtaskFor() {
    for (int maxParallelism : new int[] {1, 7, 128, 1000}) {
      for (int parallelism = 1; parallelism <= Math.min(maxParallelism, 33); parallelism++) {
        int next = 0;
        for (int i = 0; i < parallelism; i++) {
          KeyGroupRange range = KeyGroups.rangeFor(i, maxParallelism, parallelism);
          assertThat(range.start()).isEqualTo(next);
          for (int kg = range.start(); kg <= range.end(); kg++) {
            assertThat(KeyGroups.subtaskFor(kg, maxParallelism, parallelism)).isEqualTo(i);
          }
          next = range.end() + 1;
        }
        assertThat(next).isEqualTo(maxParallelism);
      }
    }
  }

  @Test
  void smallIntegerKeysSpreadOverKeyGroups() {
    int[] perGroup = new int[128];
    for (int key = 0; key < 12_800; key++) {
      perGroup[KeyGroups.keyGroupFor(key, 128)]++;
    }
    for (int count : perGroup) {
      assertThat(count).isBetween(50, 150);
    }
  }
}
