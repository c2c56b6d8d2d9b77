package dev.weir.engine.cluster;

/** Where a job is in its life. */
public enum JobStatus {
  RUNNING,
  /**
   * A task failed; the tasks are being stopped and will be restarted from the latest checkpoint.
   */
  RESTARTING,
  /** A task failed; the others are being stopped. */
  FAILING,
  /** Cancel was requested; the tasks are being stopped. */
  CANCELLING,
  FINISHED,
  FAILED,
  CANCELED;

  public boolean isTerminal() {
    return this == FINISHED || this == FAILED || this == CANCELED;
  }
}
