package dev.weir.engine.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.state.KeyGroupRange;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CheckpointMetadataTest {

  private static final Path FILE = Path.of("/checkpoints/job/chk-3/_metadata");

  private static CheckpointMetadata sample(String fileName, long partOffset) {
    TaskStateHandle.Entry keyed =
        new TaskStateHandle.Entry(
            "sum",
            1,
            2,
            new KeyGroupRange(64, 127),
            false,
            Map.of(
                StatePart.KEYED_STATE, new TaskStateHandle.Segment(partOffset, 40),
                StatePart.TIMERS, new TaskStateHandle.Segment(partOffset + 40, 8)));
    TaskStateHandle.Entry source =
        new TaskStateHandle.Entry(
            "read",
            1,
            2,
            new KeyGroupRange(0, -1),
            true,
            Map.of(StatePart.SOURCE_POSITION, new TaskStateHandle.Segment(0, 12)));
    return new CheckpointMetadata(
        3, false, List.of(new TaskStateHandle(fileName, 100, 0xCAFEL, List.of(source, keyed))));
  }

  @Test
  void namedPartsSurviveTheRoundTrip() throws IOException {
    CheckpointMetadata written = sample("task-0001.state", 20);
    CheckpointMetadata read = CheckpointMetadata.decode(written.encode(), FILE);
    assertThat(read).isEqualTo(written);
    TaskStateHandle.Entry keyed = read.files().get(0).entries().get(1);
    assertThat(keyed.parts()).containsOnlyKeys(StatePart.KEYED_STATE, StatePart.TIMERS);
    assertThat(read.stateSize()).isEqualTo(100);
  }

  @Test
  void anotherFileOrAnotherVersionIsRefusedBeforeAnythingElseIsRead() throws IOException {
    byte[] bytes = sample("task-0001.state", 20).encode();
    byte[] badMagic = bytes.clone();
    badMagic[0] ^= 1;
    assertThatThrownBy(() -> CheckpointMetadata.decode(badMagic, FILE))
        .hasMessageContaining(FILE.toString())
        .hasMessageContaining("bad magic number");

    byte[] newer = bytes.clone();
    ByteBuffer.wrap(newer).putInt(4, 2);
    assertThatThrownBy(() -> CheckpointMetadata.decode(newer, FILE))
        .hasMessageContaining("has version 2; this Weir reads version 1");
  }

  @Test
  void truncatedOrInconsistentMetadataIsReportedAsCorrupt() throws IOException {
    byte[] bytes = sample("task-0001.state", 20).encode();
    for (int cut : new int[] {0, 7, 21, bytes.length / 2, bytes.length - 1}) {
      byte[] truncated = Arrays.copyOf(bytes, cut);
      assertThatThrownBy(() -> CheckpointMetadata.decode(truncated, FILE))
          .as("cut at %d", cut)
          .isInstanceOf(IOException.class)
          .hasMessageContaining(FILE.toString());
    }

    byte[] beyondTheFile = sample("task-0001.state", 90).encode();
    assertThatThrownBy(() -> CheckpointMetadata.decode(beyondTheFile, FILE))
        .hasMessageContaining("the KEYED_STATE of sum lies beyond the end of task-0001.state");

    byte[] absurdCount = bytes.clone();
    ByteBuffer.wrap(absurdCount).putInt(4 + 4 + 8 + 1, Integer.MAX_VALUE);
    assertThatThrownBy(() -> CheckpointMetadata.decode(absurdCount, FILE))
        .hasMessageContaining("claims " + Integer.MAX_VALUE + " state files");
  }

  @Test
  void aStateFileNameCannotLeadOutOfTheCheckpointFolder() throws IOException {
    byte[] escaping = sample("../../etc/passwd", 20).encode();
    assertThatThrownBy(() -> CheckpointMetadata.decode(escaping, FILE))
        .hasMessageContaining("is not a plain file name");
  }
}
