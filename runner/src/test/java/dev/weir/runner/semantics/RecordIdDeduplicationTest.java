package dev.weir.runner.semantics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Beam's contract for a source whose {@code requiresDeduping()} is true: one output per record id,
 * whichever split or reader delivered it. Here every split delivers the same ids, so each id comes
 * {@code SPLITS} times, from readers on different subtasks.
 */
class RecordIdDeduplicationTest {

  static final int IDS = 500;
  static final int SPLITS = 4;

  /** Where a split stands: the next id it delivers. */
  static final class Mark implements UnboundedSource.CheckpointMark, Serializable {
    final long next;

    Mark(long next) {
      this.next = next;
    }

    @Override
    public void finalizeCheckpoint() {}
  }

  /** Ids 0 to IDS - 1 from every split, each as its own value and record id. */
  static final class DuplicatingSource extends UnboundedSource<Long, Mark> {

    @Override
    public List<DuplicatingSource> split(int desiredNumSplits, PipelineOptions options) {
      List<DuplicatingSource> splits = new ArrayList<>();
      for (int i = 0; i < SPLITS; i++) {
        splits.add(new DuplicatingSource());
      }
      return splits;
    }

    @Override
    public UnboundedReader<Long> createReader(PipelineOptions options, Mark mark) {
      return new DuplicatingReader(this, mark == null ? 0 : mark.next);
    }

    @Override
    public Coder<Mark> getCheckpointMarkCoder() {
      return SerializableCoder.of(Mark.class);
    }

    @Override
    public boolean requiresDeduping() {
      return true;
    }

    @Override
    public Coder<Long> getOutputCoder() {
      return VarLongCoder.of();
    }
  }

  static final class DuplicatingReader extends UnboundedSource.UnboundedReader<Long> {
    private final DuplicatingSource source;
    private long next;
    private long current = -1;

    DuplicatingReader(DuplicatingSource source, long next) {
      this.source = source;
      this.next = next;
    }

    @Override
    public boolean start() {
      return advance();
    }

    @Override
    public boolean advance() {
      if (next >= IDS) {
        return false;
      }
      current = next++;
      return true;
    }

    @Override
    public Long getCurrent() {
      if (current < 0) {
        throw new NoSuchElementException();
      }
      return current;
    }

    @Override
    public byte[] getCurrentRecordId() {
      return ByteBuffer.allocate(8).putLong(getCurrent()).array();
    }

    @Override
    public Instant getCurrentTimestamp() {
      return new Instant(getCurrent());
    }

    @Override
    public Instant getWatermark() {
      return next >= IDS ? BoundedWindow.TIMESTAMP_MAX_VALUE : new Instant(next);
    }

    @Override
    public Mark getCheckpointMark() {
      return new Mark(next);
    }

    @Override
    public DuplicatingSource getCurrentSource() {
      return source;
    }

    @Override
    public void close() {}
  }

  private static Long[] allIds() {
    Long[] ids = new Long[IDS];
    for (int i = 0; i < IDS; i++) {
      ids[i] = (long) i;
    }
    return ids;
  }

  @ParameterizedTest(name = "streaming={0}")
  @ValueSource(booleans = {false, true})
  void aBoundedReadOutputsEachRecordIdOnceAcrossSplitsAndReaders(boolean streaming) {
    Pipeline p = BeamSemanticsTest.pipeline(streaming);
    PCollection<Long> read =
        p.apply(Read.from(new DuplicatingSource()).withMaxNumRecords((long) IDS * SPLITS));
    PAssert.that(read).containsInAnyOrder(allIds());
    assertThat(p.run().waitUntilFinish()).isEqualTo(PipelineResult.State.DONE);
  }

  @ParameterizedTest(name = "streaming={0}")
  @ValueSource(booleans = {false, true})
  void anUnboundedReadOutputsEachRecordIdOnce(boolean streaming) {
    Pipeline p = BeamSemanticsTest.pipeline(streaming);
    PCollection<Long> read = p.apply(Read.from(new DuplicatingSource()));
    PAssert.that(read).containsInAnyOrder(allIds());
    assertThat(p.run().waitUntilFinish()).isEqualTo(PipelineResult.State.DONE);
  }
}
