package dev.weir.runner.exactlyonce;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Instant;

/**
 * Events {@code n = 0 .. total-1}, each for key {@code n % keys} with per-key sequence number
 * {@code n / keys} and event time {@code n} ms, split into {@code splits} readers (split {@code s}
 * reads {@code n ≡ s mod splits}, so all events of a key are in one split, in order). Each reader
 * emits at most {@code perMilli} events per millisecond; its checkpoint mark is the next {@code n}.
 * The watermark ends at the end of time once a reader is done, so the streaming job finishes.
 */
final class SequencedEventSource
    extends UnboundedSource<KV<Integer, Long>, SequencedEventSource.Mark> {

  private static final long serialVersionUID = 1L;

  /**
   * Jobs (by name) whose readers no longer keep to {@code perMilli}: a chaos test lets the input
   * run out at full speed once its failures are injected.
   */
  private static final Set<String> UNTHROTTLED = ConcurrentHashMap.newKeySet();

  /** From now on, readers of job {@code jobName} read as fast as they can. */
  static void unthrottle(String jobName) {
    UNTHROTTLED.add(jobName);
  }

  private final long total;
  private final int keys;
  private final int splits;
  private final int split;
  private final long perMilli;

  SequencedEventSource(long total, int keys, int splits, long perMilli) {
    this(total, keys, splits, -1, perMilli);
  }

  private SequencedEventSource(long total, int keys, int splits, int split, long perMilli) {
    if (keys % splits != 0) {
      throw new IllegalArgumentException(
          "keys must be a multiple of splits, so each key is read by one split");
    }
    this.total = total;
    this.keys = keys;
    this.splits = splits;
    this.split = split;
    this.perMilli = perMilli;
  }

  /** The next event a reader will emit. */
  static final class Mark implements UnboundedSource.CheckpointMark, Serializable {
    private static final long serialVersionUID = 1L;
    final long next;

    Mark(long next) {
      this.next = next;
    }

    @Override
    public void finalizeCheckpoint() {}
  }

  @Override
  public List<SequencedEventSource> split(int desiredNumSplits, PipelineOptions options) {
    List<SequencedEventSource> parts = new ArrayList<>();
    for (int s = 0; s < splits; s++) {
      parts.add(new SequencedEventSource(total, keys, splits, s, perMilli));
    }
    return parts;
  }

  @Override
  public UnboundedReader<KV<Integer, Long>> createReader(PipelineOptions options, Mark mark) {
    if (split < 0) {
      throw new IllegalStateException("read a split, not the whole source");
    }
    return new Reader(mark == null ? split : mark.next, options.getJobName());
  }

  @Override
  public Coder<Mark> getCheckpointMarkCoder() {
    return MarkCoder.INSTANCE;
  }

  /**
   * The mark as a var-long: an explicit encoding, so the savepoints committed as test resources do
   * not depend on Java serialization of this class.
   */
  static final class MarkCoder extends AtomicCoder<Mark> {
    static final MarkCoder INSTANCE = new MarkCoder();

    @Override
    public void encode(Mark mark, OutputStream out) throws IOException {
      VarLongCoder.of().encode(mark.next, out);
    }

    @Override
    public Mark decode(InputStream in) throws IOException {
      return new Mark(VarLongCoder.of().decode(in));
    }
  }

  @Override
  public Coder<KV<Integer, Long>> getOutputCoder() {
    return KvCoder.of(VarIntCoder.of(), VarLongCoder.of());
  }

  private final class Reader extends UnboundedReader<KV<Integer, Long>> {
    private long next;
    private long current = -1;
    private long emitted;
    private final long startNanos = System.nanoTime();
    private final String jobName;

    Reader(long next, String jobName) {
      this.next = next;
      this.jobName = jobName;
    }

    @Override
    public boolean start() {
      return advance();
    }

    @Override
    public boolean advance() {
      if (next >= total) {
        current = -1;
        return false;
      }
      long allowed = (System.nanoTime() - startNanos) / 1_000_000 * perMilli + perMilli;
      if (emitted >= allowed && !UNTHROTTLED.contains(jobName)) {
        return false;
      }
      current = next;
      next += splits;
      emitted++;
      return true;
    }

    @Override
    public KV<Integer, Long> getCurrent() {
      if (current < 0) {
        throw new NoSuchElementException();
      }
      return KV.of((int) (current % keys), current / keys);
    }

    @Override
    public Instant getCurrentTimestamp() {
      return new Instant(current);
    }

    @Override
    public Instant getWatermark() {
      return next >= total ? BoundedWindow.TIMESTAMP_MAX_VALUE : new Instant(next - 1);
    }

    @Override
    public CheckpointMark getCheckpointMark() {
      return new Mark(next);
    }

    @Override
    public UnboundedSource<KV<Integer, Long>, ?> getCurrentSource() {
      return SequencedEventSource.this;
    }

    @Override
    public void close() {}
  }
}
