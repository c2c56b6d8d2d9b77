package dev.weir.engine.cluster;

/** Settings of the exchange and the task runtime. Immutable; change with the {@code with...} methods. */
public record EngineConfig(int bufferSize, long bufferTimeoutMillis, int buffersPerOutputChannel, int creditsPerInputChannel) {

  /** 32 KiB buffers, 5 ms buffer timeout, 4 buffers per output channel, 4 credits per input channel. */
  public static final EngineConfig DEFAULT = new EngineConfig(32 * 1024, 5, 4, 4);

  public EngineConfig {
    if (bufferSize < 64) {
      throw new IllegalArgumentException("bufferSize must be at least 64 bytes, got " + bufferSize);
    }
    if (buffersPerOutputChannel < 1) {
      throw new IllegalArgumentException("buffersPerOutputChannel must be at least 1, got " + buffersPerOutputChannel);
    }
    if (creditsPerInputChannel < 1) {
      throw new IllegalArgumentException("creditsPerInputChannel must be at least 1, got " + creditsPerInputChannel);
    }
  }

  /** Milliseconds before a partially filled buffer is sent; 0 sends every record at once, negative only full buffers. */
  public EngineConfig withBufferTimeoutMillis(long millis) {
    return new EngineConfig(bufferSize, millis, buffersPerOutputChannel, creditsPerInputChannel);
  }

  public EngineConfig withBufferSize(int bytes) {
    return new EngineConfig(bytes, bufferTimeoutMillis, buffersPerOutputChannel, creditsPerInputChannel);
  }

  public EngineConfig withBuffersPerOutputChannel(int n) {
    return new EngineConfig(bufferSize, bufferTimeoutMillis, n, creditsPerInputChannel);
  }

  public EngineConfig withCreditsPerInputChannel(int n) {
    return new EngineConfig(bufferSize, bufferTimeoutMillis, buffersPerOutputChannel, n);
  }
}
