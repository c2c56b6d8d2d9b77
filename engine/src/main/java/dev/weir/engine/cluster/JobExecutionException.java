package dev.weir.engine.cluster;

/** A job failed; the cause is the exception of the task that failed first, as it was thrown. */
public class JobExecutionException extends Exception {
  private static final long serialVersionUID = 1L;

  public JobExecutionException(String message, Throwable cause) {
    super(message, cause);
  }
}
