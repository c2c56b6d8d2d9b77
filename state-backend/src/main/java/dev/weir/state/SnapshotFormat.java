package dev.weir.state;

import dev.weir.state.serialization.DataInputView;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The keyed-state snapshot format every backend writes and reads, so a savepoint taken on one
 * backend restores on another (big-endian): magic, version, max parallelism, number of states; per
 * state its name, kind and key-group blocks; a block is the key group, its byte length and its
 * entries (count, then key, namespace and state per entry, each as its serializer writes it; a list
 * is its size and elements, a map its size and key/value pairs).
 */
public final class SnapshotFormat {

  public static final int MAGIC = 0x57454952; // "WEIR"

  /**
   * Version 2 names a state's kind by {@link StateSpec.Kind#code()}; version 1 (still read) by its
   * ordinal: VALUE 0, LIST 1, MAP 2.
   */
  public static final int VERSION = 2;

  private static final StateSpec.Kind[] V1_KINDS = {
    StateSpec.Kind.VALUE, StateSpec.Kind.LIST, StateSpec.Kind.MAP
  };

  private SnapshotFormat() {}

  /**
   * Receives the key-group blocks of a snapshot: a block's bytes are {@code bytes[offset, offset +
   * length)}.
   */
  @FunctionalInterface
  public interface BlockVisitor {
    void block(
        String state, StateSpec.Kind kind, int keyGroup, byte[] bytes, int offset, int length)
        throws IOException;
  }

  /**
   * Where a snapshot's bytes are: in memory, or a segment of a checkpoint file, read as a stream
   * when restoring, so restoring never needs the whole snapshot in memory.
   */
  public interface Source {
    /** The snapshot's bytes from the start. */
    InputStream open() throws IOException;

    /** All of it in memory; for small snapshots and tests. */
    default byte[] readAll() throws IOException {
      try (InputStream in = open()) {
        return in.readAllBytes();
      }
    }

    static Source of(byte[] bytes) {
      return new InMemory(bytes);
    }

    /** {@code length} bytes of {@code file} from {@code offset}. */
    static Source ofFile(Path file, long offset, long length) {
      return () -> {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        channel.position(offset);
        InputStream whole = Channels.newInputStream(channel);
        return new BufferedInputStream(
            new FilterInputStream(whole) {
              private long left = length;

              @Override
              public int read() throws IOException {
                if (left <= 0) {
                  return -1;
                }
                int b = super.read();
                if (b >= 0) {
                  left--;
                }
                return b;
              }

              @Override
              public int read(byte[] b, int off, int len) throws IOException {
                if (left <= 0) {
                  return -1;
                }
                int n = super.read(b, off, (int) Math.min(len, left));
                if (n > 0) {
                  left -= n;
                }
                return n;
              }

              @Override
              public long skip(long n) throws IOException {
                long skipped = super.skip(Math.min(n, left));
                left -= skipped;
                return skipped;
              }
            },
            64 * 1024);
      };
    }
  }

  /** A snapshot held in memory. */
  public record InMemory(byte[] bytes) implements Source {
    @Override
    public InputStream open() {
      return new ByteArrayInputStream(bytes);
    }

    @Override
    public byte[] readAll() {
      return bytes;
    }
  }

  /**
   * Reads a snapshot's header (checking magic, version and max parallelism) and hands every block
   * of the key groups in {@code range} to {@code visitor}; blocks of other key groups are skipped.
   */
  public static void readBlocks(
      byte[] snapshot, int maxParallelism, KeyGroupRange range, BlockVisitor visitor)
      throws IOException {
    DataInputView in = new DataInputView(snapshot);
    int version = checkHeader(in::readInt, maxParallelism);
    int stateCount = in.readInt();
    for (int s = 0; s < stateCount; s++) {
      String name = in.readUTF();
      StateSpec.Kind kind = kind(version, in.readByte());
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

  /**
   * Like {@link #readBlocks(byte[], int, KeyGroupRange, BlockVisitor)} from a stream: one block in
   * memory at a time (blocks of other key groups are skipped, a seek for a file).
   */
  public static void readBlocks(
      Source source, int maxParallelism, KeyGroupRange range, BlockVisitor visitor)
      throws IOException {
    if (source instanceof InMemory m) {
      readBlocks(m.bytes(), maxParallelism, range, visitor);
      return;
    }
    try (DataInputStream in = new DataInputStream(source.open())) {
      int version = checkHeader(in::readInt, maxParallelism);
      int stateCount = in.readInt();
      for (int s = 0; s < stateCount; s++) {
        byte[] utf8 = new byte[in.readInt()]; // names as DataOutputView.writeUTF writes them
        in.readFully(utf8);
        String name = new String(utf8, StandardCharsets.UTF_8);
        StateSpec.Kind kind = kind(version, in.readByte());
        int blocks = in.readInt();
        for (int b = 0; b < blocks; b++) {
          int kg = in.readInt();
          int length = in.readInt();
          if (range.contains(kg)) {
            byte[] block = new byte[length];
            in.readFully(block);
            visitor.block(name, kind, kg, block, 0, length);
          } else {
            in.skipNBytes(length);
          }
        }
      }
    } catch (EOFException e) {
      throw new IOException("keyed state snapshot is truncated", e);
    }
  }

  private interface IntReader {
    int readInt() throws IOException;
  }

  private static StateSpec.Kind kind(int version, byte stored) throws IOException {
    if (version == 1) {
      if (stored < 0 || stored >= V1_KINDS.length) {
        throw new IOException("keyed state snapshot names an unknown state kind " + stored);
      }
      return V1_KINDS[stored];
    }
    return StateSpec.Kind.ofCode(stored);
  }

  /** Checks magic, version and max parallelism; returns the version. */
  private static int checkHeader(IntReader in, int maxParallelism) throws IOException {
    if (in.readInt() != MAGIC) {
      throw new IOException("not a Weir keyed state snapshot (bad magic number)");
    }
    int version = in.readInt();
    if (version != VERSION && version != 1) {
      throw new IOException(
          "keyed state snapshot version "
              + version
              + " is not supported (expected "
              + VERSION
              + ")");
    }
    int snapshotMaxParallelism = in.readInt();
    if (snapshotMaxParallelism != maxParallelism) {
      throw new IOException(
          "the snapshot was taken with max parallelism "
              + snapshotMaxParallelism
              + " but the operator now has "
              + maxParallelism
              + "; keep the max parallelism of a job when restoring it");
    }
    return version;
  }

  /** One key-group block of a snapshot, in place in the snapshot's bytes. */
  public record Block(int keyGroup, byte[] bytes, int offset, int length) {}

  /**
   * The blocks of one state restored but not declared by the operator yet (kept raw until then).
   */
  public static final class RestoredState {
    public final StateSpec.Kind kind;
    public final List<Block> blocks = new ArrayList<>();

    RestoredState(StateSpec.Kind kind) {
      this.kind = kind;
    }
  }

  /** Collects, per state name, the blocks of {@code range} from snapshots of any subtasks. */
  public static void collect(
      Collection<? extends Source> snapshots,
      int maxParallelism,
      KeyGroupRange range,
      Map<String, RestoredState> into)
      throws IOException {
    for (Source snapshot : snapshots) {
      readBlocks(
          snapshot,
          maxParallelism,
          range,
          (name, kind, kg, bytes, offset, length) -> {
            RestoredState pending = into.computeIfAbsent(name, n -> new RestoredState(kind));
            requireSameKind(name, pending.kind, kind);
            pending.blocks.add(new Block(kg, bytes, offset, length));
          });
    }
  }

  /** Fails when one state's blocks disagree on its kind across the snapshots restored together. */
  public static void requireSameKind(String name, StateSpec.Kind first, StateSpec.Kind other)
      throws IOException {
    if (first != other) {
      throw new IOException(
          "state '" + name + "' is " + other + " in one snapshot and " + first + " in another");
    }
  }
}
