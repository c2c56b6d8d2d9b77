package dev.weir.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.engine.operator.AbstractOperator;
import dev.weir.engine.operator.OperatorContext;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Two-phase commit for exactly-once tests: records ({@code long[3]}) since the last checkpoint are
 * pending under the next checkpoint's id (part of the snapshot) and handed to {@link #commit} when
 * that checkpoint completes; transactions restored from a checkpoint belong to a completed one and
 * are committed when the operator opens. {@link #commit} must be idempotent: a transaction may be
 * committed again after a restore.
 */
public abstract class TwoPhaseCommitSink extends AbstractOperator<long[], Void> {

  private List<long[]> current = new ArrayList<>();
  private final TreeMap<Long, List<long[]>> pending = new TreeMap<>();

  /** Makes transaction {@code transaction} (subtask and checkpoint) visible, once. */
  protected abstract void commit(String transaction, List<long[]> records);

  @Override
  public void open(OperatorContext<Void> context) throws Exception {
    super.open(context);
    commitUpTo(Long.MAX_VALUE);
  }

  @Override
  public void processElement(long[] record) {
    current.add(record);
  }

  @Override
  public byte[] snapshotOperatorState(long checkpointId) throws IOException {
    pending.put(checkpointId, current);
    current = new ArrayList<>();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(pending.size());
    for (Map.Entry<Long, List<long[]>> e : pending.entrySet()) {
      out.writeLong(e.getKey());
      out.writeInt(e.getValue().size());
      for (long[] r : e.getValue()) {
        out.writeLong(r[0]);
        out.writeLong(r[1]);
        out.writeLong(r[2]);
      }
    }
    return bytes.toByteArray();
  }

  @Override
  public void restoreOperatorState(byte[] state) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(state));
    int transactions = in.readInt();
    for (int t = 0; t < transactions; t++) {
      long id = in.readLong();
      int n = in.readInt();
      List<long[]> records = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        records.add(new long[] {in.readLong(), in.readLong(), in.readLong()});
      }
      pending.put(id, records);
    }
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) {
    commitUpTo(checkpointId);
  }

  private void commitUpTo(long checkpointId) {
    while (!pending.isEmpty() && pending.firstKey() <= checkpointId) {
      Map.Entry<Long, List<long[]>> t = pending.pollFirstEntry();
      commit(context.subtaskIndex() + "@" + t.getKey(), t.getValue());
    }
  }

  /**
   * Checks committed records {value, key, sequence} of a job over the numbers 0..count-1 keyed by
   * {@code value % keys}: every number committed exactly once, every key's sequence numbers exactly
   * 1..n.
   */
  public static void assertExactlyOnce(Iterable<long[]> committed, long count, int keys) {
    long[] seen = new long[(int) count];
    Map<Long, List<Long>> sequencesByKey = new java.util.HashMap<>();
    for (long[] r : committed) {
      seen[(int) r[0]]++;
      sequencesByKey.computeIfAbsent(r[1], k -> new ArrayList<>()).add(r[2]);
    }
    for (int v = 0; v < count; v++) {
      assertThat(seen[v]).as("times number %d was committed", v).isEqualTo(1);
    }
    for (Map.Entry<Long, List<Long>> e : sequencesByKey.entrySet()) {
      List<Long> sequences = e.getValue();
      sequences.sort(null);
      long expected = count / keys + (e.getKey() < count % keys ? 1 : 0);
      assertThat(sequences).as("sequence numbers of key %d", e.getKey()).hasSize((int) expected);
      for (int i = 0; i < sequences.size(); i++) {
        assertThat(sequences.get(i)).isEqualTo(i + 1L);
      }
    }
  }
}
