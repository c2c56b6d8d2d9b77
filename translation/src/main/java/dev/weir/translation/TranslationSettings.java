package dev.weir.translation;

/**
 * What translation needs to know beyond the pipeline: the parallelism and max parallelism of every
 * vertex, the bundle limits of DoFns, and whether checkpoints are taken (bundle finalizers then
 * wait for the checkpoint that covers their bundle).
 */
public record TranslationSettings(
    int parallelism,
    int maxParallelism,
    int maxBundleSize,
    long maxBundleMillis,
    boolean checkpointing) {

  /** Settings for a job that takes no periodic checkpoints. */
  public TranslationSettings(
      int parallelism, int maxParallelism, int maxBundleSize, long maxBundleMillis) {
    this(parallelism, maxParallelism, maxBundleSize, maxBundleMillis, false);
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
    if (maxBundleSize < 1) {
      throw new IllegalArgumentException("maxBundleSize must be at least 1, got " + maxBundleSize);
    }
  }
}
