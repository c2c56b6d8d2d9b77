package dev.weir.cluster.coordinator;

import dev.weir.cluster.membership.RegisteredWorker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where the tasks of a job go. Slots are shared by a job's chains: slot {@code i} runs subtask
 * {@code i} of every chain, so a job needs as many slots as its largest parallelism, and a FORWARD
 * edge between chains stays inside one slot, on one worker. Slots are taken from the workers in
 * turn (the first free slot of each worker, then the second...), so a job spreads over the workers
 * instead of filling the first.
 */
final class SlotPlacement {

  private SlotPlacement() {}

  /**
   * The worker of each of {@code needed} slots.
   *
   * @param used slots already taken per worker id
   * @throws NotEnoughSlotsException naming the slots needed and free
   */
  static List<RegisteredWorker> place(
      int needed, List<RegisteredWorker> workers, Map<String, Integer> used) {
    List<RegisteredWorker> slots = new ArrayList<>();
    int free = 0;
    int most = 0;
    for (RegisteredWorker w : workers) {
      int f = w.slots() - used.getOrDefault(w.id(), 0);
      free += Math.max(0, f);
      most = Math.max(most, w.slots());
    }
    for (int round = 0; round < most && slots.size() < needed; round++) {
      for (RegisteredWorker w : workers) {
        if (slots.size() == needed) {
          break;
        }
        if (round < w.slots() - used.getOrDefault(w.id(), 0)) {
          slots.add(w);
        }
      }
    }
    if (slots.size() < needed) {
      throw new NotEnoughSlotsException(
          "the job needs "
              + needed
              + " slots (its largest parallelism) but "
              + free
              + " are free on "
              + workers.size()
              + " workers; start more workers (bin/weir worker --slots=N) or lower the parallelism");
    }
    return slots;
  }

  /** Too few free slots for a job. */
  static final class NotEnoughSlotsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotEnoughSlotsException(String message) {
      super(message);
    }
  }
}
