package dev.weir.engine.task;

/**
 * Whether a cancel may interrupt a task's thread: while it runs its loop, never after. Once the
 * loop is left the thread runs the job's completion callbacks, which release the job's threads and
 * files and must wait for them; an interrupt there would cut those waits short. Any thread.
 */
final class LoopInterrupts {

  private boolean open = true;

  /** Interrupts {@code thread} unless its task has left its loop. */
  synchronized void interrupt(Thread thread) {
    if (thread != null && open) {
      thread.interrupt();
    }
  }

  /** The task's thread left its loop: no interrupt from now on, and none pending. Task thread. */
  void close() {
    synchronized (this) {
      open = false;
    }
    Thread.interrupted();
  }
}
