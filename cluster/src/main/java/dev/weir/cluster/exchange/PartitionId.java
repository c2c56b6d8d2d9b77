package dev.weir.cluster.exchange;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Names one result partition in a cluster: what one producer subtask of one attempt of a job sends
 * over one edge. A consumer asks the producer's worker for a subpartition of it.
 *
 * @param job the job's id
 * @param attempt the attempt of the job that runs the producer: a request of another attempt finds
 *     nothing
 * @param partition the partition within the attempt, as the deployment names it
 */
public record PartitionId(String job, long attempt, String partition) {

  /** Longest job id or partition name, in UTF-8 bytes. */
  static final int MAX_NAME_BYTES = 1024;

  public PartitionId {
    requireName("job", job);
    requireName("partition", partition);
  }

  private static void requireName(String what, String name) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("a partition id needs a " + what);
    }
    if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
      throw new IllegalArgumentException(
          what + " name longer than " + MAX_NAME_BYTES + " bytes: " + name);
    }
  }

  void writeTo(ByteBuf out) {
    writeName(out, job);
    out.writeLong(attempt);
    writeName(out, partition);
  }

  /**
   * Reads what {@link #writeTo} wrote.
   *
   * @throws DataFrames.MalformedFrameException if it does not fit the frame or a name is too long
   */
  static PartitionId readFrom(ByteBuf in) {
    String job = readName(in, "job");
    DataFrames.require(in, 8, "attempt");
    long attempt = in.readLong();
    String partition = readName(in, "partition");
    try {
      return new PartitionId(job, attempt, partition);
    } catch (IllegalArgumentException e) {
      throw new DataFrames.MalformedFrameException(e.getMessage());
    }
  }

  private static void writeName(ByteBuf out, String name) {
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    out.writeShort(bytes.length);
    out.writeBytes(bytes);
  }

  private static String readName(ByteBuf in, String what) {
    DataFrames.require(in, 2, what + " length");
    int length = in.readUnsignedShort();
    if (length > MAX_NAME_BYTES) {
      throw new DataFrames.MalformedFrameException(what + " name of " + length + " bytes");
    }
    DataFrames.require(in, length, what + " name");
    return in.readCharSequence(length, StandardCharsets.UTF_8).toString();
  }

  @Override
  public String toString() {
    return partition + " of " + job + " (attempt " + attempt + ")";
  }
}
