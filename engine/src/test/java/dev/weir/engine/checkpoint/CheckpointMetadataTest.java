package dev.weir.engine.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.state.KeyGroupRange;
import dev.weir.state.serialization.DataOutputView;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
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
    ByteBuffer.wrap(newer).putInt(4, 3);
    assertThatThrownBy(() -> CheckpointMetadata.decode(resealed(newer), FILE))
        .hasMessageContaining("has version 3; this Weir reads version 2");
  }

  /** The trailing CRC-32 recomputed, as a forger (or a bug) would leave it. */
  private static byte[] resealed(byte[] bytes) {
    CRC32 crc = new CRC32();
    crc.update(bytes, 0, bytes.length - Long.BYTES);
    byte[] copy = bytes.clone();
    ByteBuffer.wrap(copy).putLong(copy.length - Long.BYTES, crc.getValue());
    return copy;
  }

  /**
   * Issue 12, point 6: version 1 had no checksum of its own, so a changed byte that still decoded
   * (here the checkpoint id) went unnoticed.
   */
  @Test
  void anyChangedByteIsCaughtByTheChecksum() throws IOException {
    byte[] bytes = sample("task-0001.state", 20).encode();
    for (int i = 8; i < bytes.length; i++) {
      byte[] changed = bytes.clone();
      changed[i] ^= 0x10;
      assertThatThrownBy(() -> CheckpointMetadata.decode(changed, FILE))
          .as("byte %d changed", i)
          .isInstanceOf(IOException.class)
          .hasMessageContaining(FILE.toString());
    }
    byte[] idChanged = bytes.clone();
    idChanged[8 + 7] ^= 1;
    assertThatThrownBy(() -> CheckpointMetadata.decode(idChanged, FILE))
        .hasMessageContaining("checksum mismatch");
  }

  /** Version 1 (no checksum, every part listed in enum order) is still read. */
  @Test
  void versionOneMetadataIsStillRead() throws IOException {
    DataOutputView out = new DataOutputView(256);
    out.writeInt(0x5745434B);
    out.writeInt(1);
    out.writeLong(7);
    out.writeBoolean(true);
    out.writeInt(1);
    out.writeUTF("task-0000.state");
    out.writeLong(100);
    out.writeLong(0xBEEFL);
    out.writeInt(1);
    out.writeUTF("sum");
    out.writeInt(0);
    out.writeInt(1);
    out.writeInt(0);
    out.writeInt(127);
    out.writeBoolean(false);
    long[][] parts = {{-1, 0}, {0, 60}, {60, 10}, {-1, 0}}; // operator, keyed, timers, source
    for (long[] p : parts) {
      out.writeLong(p[0]);
      out.writeInt((int) p[1]);
    }
    CheckpointMetadata read =
        CheckpointMetadata.decode(Arrays.copyOf(out.array(), out.length()), FILE);
    assertThat(read.checkpointId()).isEqualTo(7);
    assertThat(read.savepoint()).isTrue();
    assertThat(read.files().get(0).entries().get(0).parts())
        .containsOnly(
            Map.entry(StatePart.KEYED_STATE, new TaskStateHandle.Segment(0, 60)),
            Map.entry(StatePart.TIMERS, new TaskStateHandle.Segment(60, 10)));
  }

  @Test
  void aPartThisVersionDoesNotKnowIsReportedAsCorrupt() throws IOException {
    byte[] bytes = sample("task-0001.state", 20).encode();
    // the first entry ("read", finished) has one part: its tag follows the part count
    int tagAt = indexOf(bytes, "read".getBytes(StandardCharsets.UTF_8)) + 4 + 4 + 4 + 4 + 4 + 1 + 1;
    assertThat(bytes[tagAt]).isEqualTo((byte) StatePart.SOURCE_POSITION.tag());
    bytes[tagAt] = 99;
    assertThatThrownBy(() -> CheckpointMetadata.decode(resealed(bytes), FILE))
        .hasMessageContaining("a state part this version of Weir does not know");
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }

  @Test
  void truncatedOrInconsistentMetadataIsReportedAsCorrupt() throws IOException {
    byte[] bytes = sample("task-0001.state", 20).encode();
    for (int cut : new int[] {0, 7, 21, bytes.length / 2, bytes.length - 1}) {
      byte[] truncated = cut < 16 ? Arrays.copyOf(bytes, cut) : resealed(Arrays.copyOf(bytes, cut));
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
    assertThatThrownBy(() -> CheckpointMetadata.decode(resealed(absurdCount), FILE))
        .hasMessageContaining("claims " + Integer.MAX_VALUE + " state files");
  }

  @Test
  void aStateFileNameCannotLeadOutOfTheCheckpointFolder() throws IOException {
    byte[] escaping = sample("../../etc/passwd", 20).encode();
    assertThatThrownBy(() -> CheckpointMetadata.decode(escaping, FILE))
        .hasMessageContaining("is not a plain file name");
  }
}
