package dev.weir.engine.time;

import dev.weir.engine.operator.TimeDomain;
import dev.weir.engine.operator.Timer;
import dev.weir.engine.operator.TimerService;
import dev.weir.state.KeyedStateBackend;
import java.util.HashSet;
import java.util.PriorityQueue;

/**
 * Event- and processing-time timers of one keyed operator, per key and namespace. A timer is
 * registered once however often it is set; deleted timers are skipped when they come up (lazy
 * deletion keeps deletion cheap). Timers fire in timestamp order, each with its key made current
 * in the keyed state backend. Single-threaded.
 */
public final class KeyedTimerService implements TimerService {

  /** Receives fired timers. */
  @FunctionalInterface
  public interface Handler {
    void onTimer(Timer timer) throws Exception;
  }

  private static final java.util.Comparator<Timer> BY_TIME = (a, b) -> Long.compare(a.timestamp(), b.timestamp());

  private final KeyedStateBackend<Object> keys;
  private final ProcessingTimeScheduler scheduler;
  private final Handler handler;
  private final PriorityQueue<Timer> eventQueue = new PriorityQueue<>(BY_TIME);
  private final HashSet<Timer> eventTimers = new HashSet<>();
  private final PriorityQueue<Timer> processingQueue = new PriorityQueue<>(BY_TIME);
  private final HashSet<Timer> processingTimers = new HashSet<>();
  private long watermark = Watermarks.MIN;
  private long scheduledWakeUp = Long.MAX_VALUE;

  public KeyedTimerService(KeyedStateBackend<Object> keys, ProcessingTimeScheduler scheduler, Handler handler) {
    this.keys = keys;
    this.scheduler = scheduler;
    this.handler = handler;
  }

  private Timer timer(Object namespace, long timestamp, TimeDomain domain) {
    return new Timer(timestamp, keys.currentKey(), namespace, domain, keys.currentKeyGroup());
  }

  @Override
  public void registerEventTimeTimer(Object namespace, long timestamp) {
    Timer t = timer(namespace, timestamp, TimeDomain.EVENT_TIME);
    if (eventTimers.add(t)) {
      eventQueue.add(t);
    }
  }

  @Override
  public void deleteEventTimeTimer(Object namespace, long timestamp) {
    eventTimers.remove(timer(namespace, timestamp, TimeDomain.EVENT_TIME));
  }

  @Override
  public void registerProcessingTimeTimer(Object namespace, long timestamp) {
    Timer t = timer(namespace, timestamp, TimeDomain.PROCESSING_TIME);
    if (processingTimers.add(t)) {
      processingQueue.add(t);
      if (timestamp < scheduledWakeUp) {
        scheduledWakeUp = timestamp;
        scheduler.scheduleAt(timestamp, this::onProcessingTime);
      }
    }
  }

  @Override
  public void deleteProcessingTimeTimer(Object namespace, long timestamp) {
    processingTimers.remove(timer(namespace, timestamp, TimeDomain.PROCESSING_TIME));
  }

  @Override
  public long currentWatermark() {
    return watermark;
  }

  @Override
  public long currentProcessingTime() {
    return scheduler.currentTimeMillis();
  }

  /** Fires every event-time timer at or before {@code newWatermark}, in timestamp order. */
  public void advanceWatermark(long newWatermark) throws Exception {
    watermark = newWatermark;
    Timer t;
    while ((t = eventQueue.peek()) != null && t.timestamp() <= newWatermark) {
      eventQueue.poll();
      if (eventTimers.remove(t)) {
        keys.setCurrentKey(t.key());
        handler.onTimer(t);
      }
    }
  }

  private void onProcessingTime() throws Exception {
    scheduledWakeUp = Long.MAX_VALUE;
    long now = scheduler.currentTimeMillis();
    Timer t;
    while ((t = processingQueue.peek()) != null && t.timestamp() <= now) {
      processingQueue.poll();
      if (processingTimers.remove(t)) {
        keys.setCurrentKey(t.key());
        handler.onTimer(t);
      }
    }
    // Skip entries of deleted timers so the next wake-up is for a live one.
    while ((t = processingQueue.peek()) != null && !processingTimers.contains(t)) {
      processingQueue.poll();
    }
    if (t != null && t.timestamp() < scheduledWakeUp) {
      scheduledWakeUp = t.timestamp();
      scheduler.scheduleAt(t.timestamp(), this::onProcessingTime);
    }
  }

  /** Live event-time timers. */
  public int eventTimerCount() {
    return eventTimers.size();
  }

  /** Live processing-time timers. */
  public int processingTimerCount() {
    return processingTimers.size();
  }
}
