package dev.weir.engine.source;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The numbers {@code [0, count)} as {@code Long}s, split into contiguous ranges over the subtasks.
 * Bounded; its position is the next number, so a restored reader continues exactly.
 */
public final class SequenceSource implements Source<Long> {

  private static final long serialVersionUID = 1L;
  private static final int BATCH = 64;

  private final long count;

  public SequenceSource(long count) {
    if (count < 0) {
      throw new IllegalArgumentException("count must not be negative: " + count);
    }
    this.count = count;
  }

  @Override
  public boolean isBounded() {
    return true;
  }

  @Override
  public SourceReader<Long> createReader(int subtaskIndex, int parallelism) {
    return new Reader(
        List.of(
            new long[] {start(subtaskIndex, parallelism), start(subtaskIndex + 1, parallelism)}));
  }

  /** A position is the reader's remaining ranges ({@code long[]{next, end}} pairs). */
  @Override
  public SourceReader<Long> restoreReader(
      int subtaskIndex, int parallelism, List<Object> positions) {
    List<long[]> ranges = new ArrayList<>();
    for (Object p : positions) {
      long[] remaining = (long[]) p;
      for (int i = 0; i + 1 < remaining.length; i += 2) {
        ranges.add(new long[] {remaining[i], remaining[i + 1]});
      }
    }
    return new Reader(ranges);
  }

  private long start(int subtask, int parallelism) {
    return (long) (count * (double) subtask / parallelism);
  }

  private static final class Reader implements SourceReader<Long> {
    private final ArrayDeque<long[]> ranges = new ArrayDeque<>();

    Reader(List<long[]> ranges) {
      for (long[] r : ranges) {
        if (r[0] < r[1]) {
          this.ranges.add(r.clone());
        }
      }
    }

    @Override
    public Status emitNext(SourceOutput<Long> output) {
      long[] range = ranges.peek();
      if (range == null) {
        return Status.END_OF_INPUT;
      }
      long stop = Math.min(range[1], range[0] + BATCH);
      for (long i = range[0]; i < stop; i++) {
        output.emit(i);
      }
      range[0] = stop;
      if (stop == range[1]) {
        ranges.poll();
      }
      return ranges.isEmpty() ? Status.END_OF_INPUT : Status.MORE_AVAILABLE;
    }

    @Override
    public Object position() {
      long[] remaining = new long[ranges.size() * 2];
      int i = 0;
      for (long[] r : ranges) {
        remaining[i++] = r[0];
        remaining[i++] = r[1];
      }
      return remaining;
    }
  }
}
