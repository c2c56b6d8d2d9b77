package dev.weir.engine.source;

/**
 * What a source reader may ask of the job it runs in. Meant for sources that replay a script
 * (tests), which step the whole job forward one event at a time.
 */
public interface SourceContext {

  /**
   * Whether every other task of the job is idle: nothing to read, nothing buffered, nothing to do
   * but wait for timers. A replaying source waits for this between its events, so each event's
   * effects are complete before the next one starts.
   */
  boolean isJobQuiescent();

  /** The job's processing time, milliseconds since the epoch. */
  long currentProcessingTime();

  /**
   * Moves the job's processing time forward; every task then fires what became due. Only for jobs
   * whose graph uses a manual clock ({@link
   * dev.weir.engine.graph.JobGraph#useManualProcessingTime}).
   */
  void setProcessingTime(long millis);
}
