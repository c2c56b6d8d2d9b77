package dev.weir.engine.source;

import dev.weir.engine.operator.Output;

/** Where a source reader emits records, watermarks and idleness. */
public interface SourceOutput<T> extends Output<T> {

  /** Event time has reached {@code watermark}; watermarks that do not advance are dropped. */
  void emitWatermark(long watermark);

  /**
   * The reader will emit nothing for a while; consumers leave it out of their watermark until it
   * emits again.
   */
  void markIdle();
}
