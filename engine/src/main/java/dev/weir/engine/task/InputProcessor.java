package dev.weir.engine.task;

/**
 * The default action of a task's mailbox loop: reads a bounded piece of input (a buffer or an event
 * from the input gate, a batch of records from a source reader) and hands it to the head operator.
 * Called on the task's thread only, between mails.
 */
interface InputProcessor {

  InputStatus processInput() throws Exception;

  /** The longest the task sleeps when this input has nothing: sources are polled, gates wake it. */
  long maxIdleWaitNanos();
}
