package dev.weir.engine.checkpoint;

/**
 * The parts of one operator subtask's state in a checkpoint. Each is optional; in a state file they
 * follow each other in this order, and the metadata lists their segments in this order (both are
 * part of metadata format version 1: append new parts, never reorder).
 */
public enum StatePart {
  /** What the operator keeps outside keyed state (Beam: side inputs, held elements). */
  OPERATOR_STATE,
  /** The keyed state of the subtask's key groups; streamed from its file when restored. */
  KEYED_STATE,
  /** Event- and processing-time timers of the subtask's key groups. */
  TIMERS,
  /** Where a source's reader stands. */
  SOURCE_POSITION
}
