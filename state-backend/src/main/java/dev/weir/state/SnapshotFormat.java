package dev.weir.state;

/**
 * The keyed-state snapshot format every backend writes and reads, so a savepoint taken on one
 * backend restores on another (big-endian): magic, version, max parallelism, number of states;
 * per state its name, kind and key-group blocks; a block is the key group, its byte length and
 * its entries (count, then key, namespace and state per entry, each as its serializer writes it;
 * a list is its size and elements, a map its size and key/value pairs).
 */
public final class SnapshotFormat {

  public static final int MAGIC = 0x57454952; // "WEIR"
  public static final int VERSION = 1;

  private SnapshotFormat() {}

  /** Receives the key-group blocks of a snapshot: a block's bytes are {@code bytes[offset, offset + length)}. */
  @FunctionalInterface
  public interface BlockVisitor {
    void block(String state, StateSpec.Kind kind, int keyGroup, byte[] bytes, int offset, int length) throws java.io.IOException;
  }

  /**
   * Reads a snapshot's header (checking magic, version and max parallelism) and hands every block
   * of the key groups in {@code range} to {@code visitor}; blocks of other key groups are skipped.
   */
  public static void readBlocks(byte[] snapshot, int maxParallelism, KeyGroupRange range, BlockVisitor visitor) throws java.io.IOException {
    dev.weir.state.serialization.DataInputView in = new dev.weir.state.serialization.DataInputView(snapshot);
    if (in.readInt() != MAGIC) {
      throw new java.io.IOException("not a Weir keyed state snapshot (bad magic number)");
    }
    int version = in.readInt();
    if (version != VERSION) {
      throw new java.io.IOException("keyed state snapshot version " + version + " is not supported (expected " + VERSION + ")");
    }
    int snapshotMaxParallelism = in.readInt();
    if (snapshotMaxParallelism != maxParallelism) {
      throw new java.io.IOException("the snapshot was taken with max parallelism " + snapshotMaxParallelism
          + " but the operator now has " + maxParallelism + "; keep the max parallelism of a job when restoring it");
    }
    int stateCount = in.readInt();
    for (int s = 0; s < stateCount; s++) {
      String name = in.readUTF();
      StateSpec.Kind kind = StateSpec.Kind.values()[in.readByte()];
      int blocks = in.readInt();
      for (int b = 0; b < blocks; b++) {
        int kg = in.readInt();
        int length = in.readInt();
        int start = in.position();
        if (range.contains(kg)) {
          visitor.block(name, kind, kg, snapshot, start, length);
        }
        in.skipTo(start + length);
      }
    }
  }

  /** One key-group block of a snapshot, in place in the snapshot's bytes. */
  public record Block(int keyGroup, byte[] bytes, int offset, int length) {}

  /** The blocks of one state restored but not declared by the operator yet (kept raw until then). */
  public static final class RestoredState {
    public final StateSpec.Kind kind;
    public final java.util.List<Block> blocks = new java.util.ArrayList<>();

    RestoredState(StateSpec.Kind kind) {
      this.kind = kind;
    }
  }

  /** Collects, per state name, the blocks of {@code range} from snapshots of any subtasks. */
  public static void collect(java.util.Collection<byte[]> snapshots, int maxParallelism, KeyGroupRange range,
      java.util.Map<String, RestoredState> into) throws java.io.IOException {
    for (byte[] snapshot : snapshots) {
      readBlocks(snapshot, maxParallelism, range, (name, kind, kg, bytes, offset, length) -> {
        RestoredState pending = into.computeIfAbsent(name, n -> new RestoredState(kind));
        if (pending.kind != kind) {
          throw new java.io.IOException("state '" + name + "' is " + kind + " in one snapshot and " + pending.kind + " in another");
        }
        pending.blocks.add(new Block(kg, bytes, offset, length));
      });
    }
  }
}
