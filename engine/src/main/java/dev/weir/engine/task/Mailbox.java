package dev.weir.engine.task;

import dev.weir.engine.time.ProcessingTimeScheduler.Action;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Actions other threads want run in the task's thread: checkpoint triggers, completions and aborts,
 * failures injected from outside. The task runs them between buffers, so they never race with
 * record processing and operator state needs no locks.
 *
 * <p>Lifecycle: open (mails accepted); {@linkplain #quiesce() quiesced} when a task that finished
 * its work is about to close its operators: no new mails, but those already accepted still run
 * ({@link #drain()}), so a checkpoint's completion posted just before the job let its tasks close
 * is not lost; {@linkplain #close() closed} when the task stops running its operators: no new
 * mails, and what is left is dropped (a failed or cancelled task). A round of {@link #runBatch()}
 * runs only the mails queued before it started, so mails that post mails cannot starve the task's
 * input.
 *
 * <p>Threads: {@link #put} and {@link #tryPut} from any thread; everything else from the task's
 * thread.
 */
public final class Mailbox {

  /** Where the mailbox is in its life. */
  enum State {
    OPEN,
    QUIESCED,
    CLOSED
  }

  private final ConcurrentLinkedQueue<Action> mails = new ConcurrentLinkedQueue<>();
  private final TaskWaker waker;
  private final String owner;

  /** Mails accepted so far; a round runs up to the count seen when it started. */
  private final AtomicLong accepted = new AtomicLong();

  private long taken;

  /** Changed under this object's monitor, with the enqueueing it decides on. */
  private volatile State state = State.OPEN;

  Mailbox(TaskWaker waker, String owner) {
    this.waker = waker;
    this.owner = owner;
  }

  /**
   * Enqueues {@code mail} and wakes the task; any thread.
   *
   * @throws IllegalStateException if the mailbox no longer accepts mails (the task ended)
   */
  public void put(Action mail) {
    if (!tryPut(mail)) {
      throw new IllegalStateException(
          "the mailbox of task "
              + owner
              + " is "
              + state.name().toLowerCase()
              + ": the task has ended and runs no more actions");
    }
  }

  /**
   * Enqueues {@code mail} and wakes the task, or returns false if the mailbox no longer accepts
   * mails; any thread.
   */
  public boolean tryPut(Action mail) {
    // Mails are rare (per checkpoint, not per record): the lock keeps a mail from slipping in
    // after the task quiesced or closed the mailbox and looked for what was left.
    synchronized (this) {
      if (state != State.OPEN) {
        return false;
      }
      mails.add(mail);
      accepted.incrementAndGet();
    }
    waker.signal();
    return true;
  }

  boolean isEmpty() {
    return mails.isEmpty();
  }

  State state() {
    return state;
  }

  /**
   * Runs the mails queued before this call, in order; mails they post wait for the next round. Task
   * thread.
   */
  void runBatch() throws Exception {
    long limit = accepted.get();
    Action mail;
    while (taken < limit && (mail = mails.poll()) != null) {
      taken++;
      mail.run();
    }
  }

  /** No new mails from now on; those accepted before still run in {@link #drain()}. Task thread. */
  synchronized void quiesce() {
    if (state == State.OPEN) {
      state = State.QUIESCED;
    }
  }

  /** Runs every mail still queued, in order; after {@link #quiesce()} no more can come. */
  void drain() throws Exception {
    Action mail;
    while ((mail = mails.poll()) != null) {
      taken++;
      mail.run();
    }
  }

  /** No new mails, and the queued ones are dropped; returns how many were. Task thread. */
  int close() {
    synchronized (this) {
      state = State.CLOSED;
    }
    int dropped = 0;
    while (mails.poll() != null) {
      dropped++;
    }
    return dropped;
  }
}
