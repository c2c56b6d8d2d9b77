package dev.weir.translation.operators;

import dev.weir.engine.operator.OperatorContext;

/**
 * When a DoFn's bundles start and end. A bundle starts with the first element or timer after the
 * last one ended; it ends after {@code maxSize} elements, {@code maxMillis} of processing time
 * after it started (0: no time limit), or whenever the operator ends it (before a watermark, when
 * the input runs dry, before a snapshot, at the end of the input). Task thread only.
 */
final class Bundles {

  /** What finishing a bundle does (the runner's finishBundle, and what follows it). */
  interface Finisher {
    void finish() throws Exception;
  }

  private final int maxSize;
  private final long maxMillis;
  private final OperatorContext<?> context;
  private final Runnable onStart;
  private final Finisher onFinish;
  private boolean open;
  private int elements;
  private long number;

  Bundles(
      int maxSize,
      long maxMillis,
      OperatorContext<?> context,
      Runnable onStart,
      Finisher onFinish) {
    this.maxSize = maxSize;
    this.maxMillis = maxMillis;
    this.context = context;
    this.onStart = onStart;
    this.onFinish = onFinish;
  }

  /** Starts a bundle unless one is open. */
  void startIfNeeded() {
    if (open) {
      return;
    }
    open = true;
    elements = 0;
    long bundle = ++number;
    onStart.run();
    if (maxMillis > 0) {
      context.scheduleAt(
          context.currentProcessingTime() + maxMillis,
          () -> {
            if (open && number == bundle) {
              finish();
            }
          });
    }
  }

  /** An element was processed in the open bundle: it ends once it holds {@code maxSize}. */
  void elementProcessed() throws Exception {
    if (++elements >= maxSize) {
      finish();
    }
  }

  /** Ends the open bundle, if any. */
  void finish() throws Exception {
    if (open) {
      open = false;
      onFinish.finish();
    }
  }
}
