package dev.weir.translation.io;

import dev.weir.engine.source.Source;
import dev.weir.engine.source.SourceOutput;
import dev.weir.engine.source.SourceReader;

/** Emits nothing and ends: the producer of a Flatten of no inputs. */
public final class EmptySource<T> implements Source<T> {

  private static final long serialVersionUID = 1L;

  @Override
  public boolean isBounded() {
    return true;
  }

  @Override
  public SourceReader<T> createReader(int subtaskIndex, int parallelism) {
    return (SourceOutput<T> output) -> SourceReader.Status.END_OF_INPUT;
  }
}
