package dev.weir.translation.context;

/**
 * What translation needs to know beyond the pipeline: the parallelism and max parallelism of every
 * vertex, the bundle limits of DoFns, and whether checkpoints are taken (bundle finalizers then
 * wait for the checkpoint that covers their bundle), and whether elements handed between chained
 * steps are encoded anyway (one in how many), to fail on an element its coder cannot encode, and
 * where grouping buffers of bounded inputs spill ({@code spillDir}, null for the default).
 */
public record TranslationSettings(
    int parallelism,
    int maxParallelism,
    int maxBundleSize,
    long maxBundleMillis,
    boolean checkpointing,
    int encodabilityCheckInterval,
    String spillDir) {

  /** Beam's and Weir's defaults for bundles (1,000 elements or 1 s) and max parallelism (128). */
  public static final int DEFAULT_MAX_PARALLELISM = 128;

  public static final int DEFAULT_MAX_BUNDLE_SIZE = 1000;

  /**
   * Elements handed between chained steps are encoded with their coder one in this many (the first
   * always), so a broken coder fails the pipeline: encoding every one cost W1 60% of its
   * throughput.
   */
  public static final int DEFAULT_ENCODABILITY_CHECK_INTERVAL = 1000;

  public static final long DEFAULT_MAX_BUNDLE_MILLIS = 1000;

  /** Settings with the given parallelism, the defaults for the rest and no checkpoints. */
  public static TranslationSettings withParallelism(int parallelism) {
    return new TranslationSettings(
        parallelism,
        Math.max(parallelism, DEFAULT_MAX_PARALLELISM),
        DEFAULT_MAX_BUNDLE_SIZE,
        DEFAULT_MAX_BUNDLE_MILLIS,
        false,
        DEFAULT_ENCODABILITY_CHECK_INTERVAL,
        null);
  }

  /** These settings, for a job that does (or does not) take periodic checkpoints. */
  public TranslationSettings checkpointing(boolean enabled) {
    return new TranslationSettings(
        parallelism,
        maxParallelism,
        maxBundleSize,
        maxBundleMillis,
        enabled,
        encodabilityCheckInterval,
        spillDir);
  }

  /**
   * These settings, with grouping buffers of bounded inputs spilling into {@code dir} ({@code
   * null}: weir-spill-USER in the temporary directory of the process that runs the task).
   */
  public TranslationSettings withSpillDir(String dir) {
    return new TranslationSettings(
        parallelism,
        maxParallelism,
        maxBundleSize,
        maxBundleMillis,
        checkpointing,
        encodabilityCheckInterval,
        dir);
  }

  public TranslationSettings {
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be at least 1, got " + parallelism);
    }
    if (maxParallelism < parallelism) {
      throw new IllegalArgumentException(
          "maxParallelism ("
              + maxParallelism
              + ") must be at least the parallelism ("
              + parallelism
              + ")");
    }
    if (encodabilityCheckInterval < 0) {
      throw new IllegalArgumentException(
          "encodabilityCheckInterval must be 0 (no check) or more, got "
              + encodabilityCheckInterval);
    }
    if (maxBundleSize < 1) {
      throw new IllegalArgumentException("maxBundleSize must be at least 1, got " + maxBundleSize);
    }
  }
}
