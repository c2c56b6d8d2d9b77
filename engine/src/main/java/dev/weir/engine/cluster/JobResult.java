package dev.weir.engine.cluster;

import java.time.Duration;

/** How a job ended: FINISHED, FAILED (with its cause) or CANCELED, and how long it ran. */
public record JobResult(String jobName, JobStatus status, Duration duration, Throwable failure) {}
