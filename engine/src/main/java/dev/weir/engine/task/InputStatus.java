package dev.weir.engine.task;

/** What a task's input found when the mailbox loop asked it for work. */
enum InputStatus {
  /** It processed something and may have more right away. */
  MORE_AVAILABLE,
  /** Nothing to read now: operators may end their bundles, then the task sleeps until woken. */
  NOTHING_AVAILABLE,
  /** It holds its input back on purpose (a source stopped at a savepoint): the task just sleeps. */
  PAUSED,
  /** All input has been read. */
  END_OF_INPUT
}
