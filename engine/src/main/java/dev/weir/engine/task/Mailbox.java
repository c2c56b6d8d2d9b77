package dev.weir.engine.task;

import dev.weir.engine.time.ProcessingTimeScheduler.Action;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Actions other threads want run in the task's thread (later: checkpoint triggers and
 * checkpoint-complete notifications). The task runs them between buffers, so they never race with
 * record processing and operator state needs no locks.
 */
public final class Mailbox {

  private final ConcurrentLinkedQueue<Action> mails = new ConcurrentLinkedQueue<>();
  private final TaskWaker waker;

  Mailbox(TaskWaker waker) {
    this.waker = waker;
  }

  /** Enqueues {@code mail} from any thread and wakes the task. */
  public void put(Action mail) {
    mails.add(mail);
    waker.signal();
  }

  boolean isEmpty() {
    return mails.isEmpty();
  }

  /** Runs every queued mail; called by the task's thread. */
  void runAll() throws Exception {
    Action mail;
    while ((mail = mails.poll()) != null) {
      mail.run();
    }
  }

  void clear() {
    mails.clear();
  }
}
