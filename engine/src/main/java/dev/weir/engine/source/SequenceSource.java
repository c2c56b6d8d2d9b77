package dev.weir.engine.source;

/**
 * The numbers {@code [0, count)} as {@code Long}s, split into contiguous ranges over the
 * subtasks. Bounded; its position is the next number, so a restored reader continues exactly.
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
    return new Reader(start(subtaskIndex, parallelism), start(subtaskIndex + 1, parallelism));
  }

  @Override
  public SourceReader<Long> restoreReader(int subtaskIndex, int parallelism, Object position) {
    return new Reader((Long) position, start(subtaskIndex + 1, parallelism));
  }

  private long start(int subtask, int parallelism) {
    return (long) (count * (double) subtask / parallelism);
  }

  private static final class Reader implements SourceReader<Long> {
    private long next;
    private final long end;

    Reader(long next, long end) {
      this.next = next;
      this.end = end;
    }

    @Override
    public Status emitNext(SourceOutput<Long> output) {
      long stop = Math.min(end, next + BATCH);
      for (long i = next; i < stop; i++) {
        output.emit(i);
      }
      next = stop;
      return next < end ? Status.MORE_AVAILABLE : Status.END_OF_INPUT;
    }

    @Override
    public Object position() {
      return next;
    }
  }
}
