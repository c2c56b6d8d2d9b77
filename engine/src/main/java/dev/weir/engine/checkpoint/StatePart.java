package dev.weir.engine.checkpoint;

/**
 * The parts of one operator subtask's state in a checkpoint. Each is optional. Persisted by its
 * {@link #tag()}, never by its ordinal, so parts can be added or reordered here without breaking
 * checkpoints already written; a tag, once used, keeps its meaning.
 */
public enum StatePart {
  /** What the operator keeps outside keyed state (Beam: side inputs, held elements). */
  OPERATOR_STATE(1),
  /** The keyed state of the subtask's key groups; streamed from its file when restored. */
  KEYED_STATE(2),
  /** Event- and processing-time timers of the subtask's key groups. */
  TIMERS(3),
  /** Where a source's reader stands. */
  SOURCE_POSITION(4);

  private final int tag;

  StatePart(int tag) {
    this.tag = tag;
  }

  /** The part's number in checkpoint metadata. */
  public int tag() {
    return tag;
  }

  /** The part with {@code tag}, or {@code null} for a tag this version does not know. */
  public static StatePart ofTag(int tag) {
    for (StatePart p : values()) {
      if (p.tag == tag) {
        return p;
      }
    }
    return null;
  }
}
