package dev.weir.translation.io;

import dev.weir.engine.source.Source;
import dev.weir.engine.source.SourceOutput;
import dev.weir.engine.source.SourceReader;
import dev.weir.translation.metrics.JobMetrics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.beam.runners.core.construction.SerializablePipelineOptions;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.ValueWithRecordId;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;

/**
 * A Beam UnboundedSource as an engine source: split once into as many parts as subtasks when the
 * job is translated, each subtask reading its parts round robin. The subtask's watermark is the
 * minimum of its readers'; when it reaches the end of time the subtask's input ends.
 */
public final class UnboundedSourceAdapter<T> implements Source<WindowedValue<T>> {

  private static final long serialVersionUID = 1L;

  private final List<? extends UnboundedSource<T, ?>> splits;
  private final SerializablePipelineOptions options;
  private final SourceMetrics metrics;
  private final long maxRecordsPerSplit;
  private final long maxReadTimeMillis;
  private final boolean dedup;

  public UnboundedSourceAdapter(
      UnboundedSource<T, ?> source,
      int parallelism,
      SerializablePipelineOptions options,
      String stepName,
      JobMetrics jobMetrics)
      throws Exception {
    this(source, parallelism, options, Long.MAX_VALUE, Long.MAX_VALUE, stepName, jobMetrics);
  }

  /**
   * A bounded read of an unbounded source (Beam's {@code Read.from(unbounded).withMaxNumRecords(n)}
   * or {@code withMaxReadTime(d)}): every split reads its share of {@code maxNumRecords}, for at
   * most {@code maxReadTimeMillis} from when it starts, all splits at once.
   */
  public UnboundedSourceAdapter(
      UnboundedSource<T, ?> source,
      int parallelism,
      SerializablePipelineOptions options,
      long maxNumRecords,
      long maxReadTimeMillis,
      String stepName,
      JobMetrics jobMetrics)
      throws Exception {
    this.options = options;
    this.metrics = new SourceMetrics(stepName, jobMetrics);
    List<? extends UnboundedSource<T, ?>> split =
        metrics.split(source, () -> source.split(parallelism, options.get()));
    this.splits = split.isEmpty() ? List.of(source) : split;
    this.maxRecordsPerSplit =
        maxNumRecords == Long.MAX_VALUE
            ? Long.MAX_VALUE
            : (maxNumRecords + splits.size() - 1) / splits.size();
    this.maxReadTimeMillis = maxReadTimeMillis;
    this.dedup = source.requiresDeduping();
  }

  /**
   * Whether the values come with their record ids ({@code ValueWithRecordId}), for a {@link
   * RecordIdDeduplication} after the read: the source's {@code requiresDeduping()}.
   */
  public boolean emitsRecordIds() {
    return dedup;
  }

  @Override
  public boolean isBounded() {
    return false;
  }

  @Override
  public SourceReader<WindowedValue<T>> createReader(int subtaskIndex, int parallelism) {
    List<SplitPosition> mine = new ArrayList<>();
    for (int i : SourceMetrics.dealt(splits.size(), subtaskIndex, parallelism)) {
      mine.add(new SplitPosition(i, null, 0, false));
    }
    return new Reader<>(
        splits, mine, options.get(), maxRecordsPerSplit, maxReadTimeMillis, dedup, metrics);
  }

  /** Restored readers resume each split from its checkpoint mark; splits are dealt as stored. */
  @Override
  @SuppressWarnings("unchecked")
  public SourceReader<WindowedValue<T>> restoreReader(
      int subtaskIndex, int parallelism, List<Object> positions) {
    List<SplitPosition> mine = new ArrayList<>();
    for (Object p : positions) {
      for (Object split : (List<Object>) p) {
        mine.add(SplitPosition.fromPlain((List<Object>) split));
      }
    }
    return new Reader<>(
        splits, mine, options.get(), maxRecordsPerSplit, maxReadTimeMillis, dedup, metrics);
  }

  /**
   * Where one split stands in a checkpoint: its checkpoint mark (encoded with the source's mark
   * coder; {@code null} before the split was started), records read, and whether its bounded read
   * is done.
   */
  record SplitPosition(int split, byte[] mark, long read, boolean done) {

    /** As plain values, which checkpoints store without Java serialization. */
    List<Object> toPlain() {
      return Arrays.asList(split, mark, read, done);
    }

    static SplitPosition fromPlain(List<Object> plain) {
      if (plain.size() != 4) {
        throw new IllegalArgumentException(
            "a stored split position has " + plain.size() + " fields, expected 4");
      }
      return new SplitPosition(
          (Integer) plain.get(0),
          (byte[]) plain.get(1),
          (Long) plain.get(2),
          (Boolean) plain.get(3));
    }
  }

  private static final class Reader<T> extends MeteredSourceReader<T> {
    private final List<? extends UnboundedSource<T, ?>> allSplits;
    private final List<SplitPosition> initial;
    private final String stepName;

    /** Checkpoint marks taken for checkpoints not yet complete, finalized once they are. */
    private final TreeMap<Long, List<UnboundedSource.CheckpointMark>> unfinalized = new TreeMap<>();

    private final PipelineOptions options;
    private final List<UnboundedSource.UnboundedReader<T>> readers = new ArrayList<>();
    private final long maxRecords;
    private final long maxReadTimeMillis;
    private final boolean withRecordIds;
    private boolean[] started;
    private boolean[] done;
    private long[] read;
    private int doneCount;
    private long startMillis;
    private int next;

    Reader(
        List<? extends UnboundedSource<T, ?>> allSplits,
        List<SplitPosition> initial,
        PipelineOptions options,
        long maxRecords,
        long maxReadTimeMillis,
        boolean dedup,
        SourceMetrics metrics) {
      super(metrics);
      this.stepName = metrics.stepName();
      this.allSplits = allSplits;
      this.initial = initial;
      this.options = options;
      this.maxRecords = maxRecords;
      this.maxReadTimeMillis = maxReadTimeMillis;
      this.withRecordIds = dedup;
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    protected void openReaders() throws Exception {
      started = new boolean[initial.size()];
      done = new boolean[initial.size()];
      read = new long[initial.size()];
      for (int i = 0; i < initial.size(); i++) {
        SplitPosition p = initial.get(i);
        UnboundedSource source = allSplits.get(p.split());
        UnboundedSource.CheckpointMark mark =
            p.mark() == null
                ? null
                : (UnboundedSource.CheckpointMark)
                    CoderUtils.decodeFromByteArray(source.getCheckpointMarkCoder(), p.mark());
        try {
          readers.add(source.createReader(options, mark));
        } catch (Exception e) {
          throw SourceFailure.of(
              stepName, "opening a reader of split " + p.split(), source, mark, e);
        }
        read[i] = p.read();
        done[i] = p.done();
        if (p.done()) {
          doneCount++;
        }
      }
      startMillis = System.currentTimeMillis();
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Object snapshotPosition(long checkpointId) throws Exception {
      List<Object> positions = new ArrayList<>();
      List<UnboundedSource.CheckpointMark> marks = new ArrayList<>();
      for (int i = 0; i < readers.size(); i++) {
        byte[] encoded = initial.get(i).mark();
        if (started[i]) {
          UnboundedSource.CheckpointMark mark = readers.get(i).getCheckpointMark();
          marks.add(mark);
          encoded =
              CoderUtils.encodeToByteArray(
                  (Coder) allSplits.get(initial.get(i).split()).getCheckpointMarkCoder(), mark);
        }
        positions.add(
            new SplitPosition(initial.get(i).split(), encoded, read[i], done[i]).toPlain());
      }
      unfinalized.put(checkpointId, marks);
      return positions;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
      SortedMap<Long, List<UnboundedSource.CheckpointMark>> covered =
          unfinalized.headMap(checkpointId, true);
      for (List<UnboundedSource.CheckpointMark> marks : covered.values()) {
        for (UnboundedSource.CheckpointMark mark : marks) {
          mark.finalizeCheckpoint();
        }
      }
      covered.clear();
    }

    private boolean bounded() {
      return maxRecords != Long.MAX_VALUE || maxReadTimeMillis != Long.MAX_VALUE;
    }

    /** How long a batch may wait on readers that find nothing once it emitted something. */
    private static final long TRICKLE_NANOS = 1_000_000L;

    @Override
    @SuppressWarnings("unchecked")
    protected Status emitBatch(SourceOutput<WindowedValue<T>> output) throws Exception {
      if (readers.isEmpty() || doneCount == readers.size()) {
        return Status.END_OF_INPUT;
      }
      if (maxReadTimeMillis != Long.MAX_VALUE
          && System.currentTimeMillis() - startMillis >= maxReadTimeMillis) {
        return Status.END_OF_INPUT;
      }
      int emitted = 0;
      int idleReaders = 0;
      long start = 0;
      while (emitted < BATCH && idleReaders < readers.size()) {
        int r = next;
        next = (next + 1) % readers.size();
        if (done[r]) {
          idleReaders++;
          continue;
        }
        UnboundedSource.UnboundedReader<T> reader = readers.get(r);
        boolean available;
        try {
          if (!started[r]) {
            started[r] = true;
            available = reader.start();
          } else {
            available = reader.advance();
          }
        } catch (Exception e) {
          throw readFailure(r, reader, e);
        }
        if (available) {
          T value = reader.getCurrent();
          // With ids the values are ValueWithRecordId<T>: RecordIdDeduplication unwraps them.
          Object emit =
              withRecordIds ? new ValueWithRecordId<>(value, reader.getCurrentRecordId()) : value;
          output.emit(
              (WindowedValue<T>)
                  WindowedValues.timestampedValueInGlobalWindow(
                      emit, reader.getCurrentTimestamp()));
          emitted++;
          idleReaders = 0;
          if (++read[r] >= maxRecords) {
            done[r] = true;
            doneCount++;
          }
        } else {
          idleReaders++;
          // A reader that waits before it says it has nothing (KafkaIO's does) must not hold the
          // task for a whole batch of a trickle: barriers and timers wait meanwhile.
          if (emitted > 0) {
            long now = System.nanoTime();
            if (start == 0) {
              start = now;
            } else if (now - start > TRICKLE_NANOS) {
              break;
            }
          }
        }
      }
      if (doneCount == readers.size()) {
        return Status.END_OF_INPUT;
      }
      if (bounded()) {
        // A bounded read emits no watermark before its end, as Beam's own expansion of it.
        return emitted > 0 ? Status.MORE_AVAILABLE : Status.NOTHING_AVAILABLE;
      }
      long watermark = Long.MAX_VALUE;
      for (UnboundedSource.UnboundedReader<T> reader : readers) {
        watermark = Math.min(watermark, reader.getWatermark().getMillis());
      }
      if (watermark >= BoundedWindow.TIMESTAMP_MAX_VALUE.getMillis()) {
        return Status.END_OF_INPUT;
      }
      output.emitWatermark(watermark);
      return emitted > 0 ? Status.MORE_AVAILABLE : Status.NOTHING_AVAILABLE;
    }

    /**
     * A reader's failure with where it stood: the step, the source, and the reader's position (its
     * checkpoint mark; for KafkaIO each partition's next offset, the failed record's among them).
     */
    private SourceFailure readFailure(
        int r, UnboundedSource.UnboundedReader<T> reader, Exception cause) {
      Object position;
      try {
        position = reader.getCheckpointMark();
      } catch (RuntimeException unknown) {
        position = null;
      }
      return SourceFailure.of(
          stepName,
          "reading split " + initial.get(r).split(),
          reader.getCurrentSource(),
          position,
          cause);
    }

    @Override
    protected void closeReaders() throws Exception {
      for (UnboundedSource.UnboundedReader<T> reader : readers) {
        reader.close();
      }
    }
  }
}
