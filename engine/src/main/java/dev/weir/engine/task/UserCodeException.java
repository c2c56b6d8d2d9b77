package dev.weir.engine.task;

/**
 * Carries a checked exception of a chained operator through {@link
 * dev.weir.engine.operator.Output#emit}; the task unwraps it, so the job fails with the operator's
 * own exception as the cause.
 */
public final class UserCodeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UserCodeException(Throwable cause) {
    super(cause.toString(), cause, false, false);
  }

  /** The original exception behind any layers of wrapping by the engine. */
  public static Throwable unwrap(Throwable t) {
    while (t instanceof UserCodeException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
