package dev.weir.cluster.membership;

import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's view of its workers: who registered, on which connection, and when each was
 * last heard from. A worker is lost when its control connection closes or when it stays silent past
 * the timeout; a lost worker is forgotten (a worker that comes back registers anew, under a new id)
 * and reported once to the listener. Thread-safe: Netty's event loops and the timeout check call
 * it.
 */
public final class WorkerRegistry {

  private static final Logger LOG = LoggerFactory.getLogger(WorkerRegistry.class);

  private record Entry(RegisteredWorker worker, Channel channel, long lastHeardNanos) {}

  private final HeartbeatSettings heartbeats;
  private final LongSupplier nanoClock;
  private final BiConsumer<RegisteredWorker, String> onLost;
  private final Map<String, Entry> workers = new LinkedHashMap<>();
  private long nextId = 1;

  /**
   * @param onLost told of each lost worker and why; called without the registry's lock
   */
  public WorkerRegistry(
      HeartbeatSettings heartbeats,
      LongSupplier nanoClock,
      BiConsumer<RegisteredWorker, String> onLost) {
    this.heartbeats = heartbeats;
    this.nanoClock = nanoClock;
    this.onLost = onLost;
  }

  /** Registers a worker that connected on {@code channel}; returns it with its new id. */
  public synchronized RegisteredWorker register(
      String host, int dataPort, int slots, Channel channel) {
    RegisteredWorker w = new RegisteredWorker("worker-" + nextId++, host, dataPort, slots);
    workers.put(w.id(), new Entry(w, channel, nanoClock.getAsLong()));
    LOG.info("worker {} registered from {} with {} slots", w.id(), channel.remoteAddress(), slots);
    return w;
  }

  /**
   * Notes that {@code workerId} was heard from on {@code channel}; false if it is not registered
   * there (lost meanwhile, or an impostor on another connection).
   */
  public synchronized boolean heard(String workerId, Channel channel) {
    Entry e = workers.get(workerId);
    if (e == null || e.channel() != channel) {
      return false;
    }
    workers.put(workerId, new Entry(e.worker(), channel, nanoClock.getAsLong()));
    return true;
  }

  /** The control connection of a registered worker closed: it is lost at once. */
  public void connectionClosed(Channel channel) {
    RegisteredWorker lost = null;
    synchronized (this) {
      for (Entry e : workers.values()) {
        if (e.channel() == channel) {
          lost = e.worker();
          workers.remove(lost.id());
          break;
        }
      }
    }
    if (lost != null) {
      report(lost, "its control connection closed");
    }
  }

  /** Loses every worker silent for longer than the timeout; call at least every interval. */
  public void checkTimeouts() {
    long now = nanoClock.getAsLong();
    List<Entry> silent = new ArrayList<>();
    synchronized (this) {
      for (Entry e : workers.values()) {
        if (now - e.lastHeardNanos() > heartbeats.timeout().toNanos()) {
          silent.add(e);
        }
      }
      for (Entry e : silent) {
        workers.remove(e.worker().id());
      }
    }
    for (Entry e : silent) {
      e.channel().close(); // so it cannot come back on this connection; it registers anew
      report(
          e.worker(),
          "no heartbeat for "
              + (now - e.lastHeardNanos()) / 1_000_000
              + " ms (timeout "
              + heartbeats.timeout().toMillis()
              + " ms)");
    }
  }

  private void report(RegisteredWorker worker, String why) {
    LOG.warn("worker {} ({}:{}) is lost: {}", worker.id(), worker.host(), worker.dataPort(), why);
    onLost.accept(worker, why);
  }

  /** The control connection of a registered worker, or {@code null} if it is not (any more). */
  public synchronized Channel channelOf(String workerId) {
    Entry e = workers.get(workerId);
    return e == null ? null : e.channel();
  }

  /** The id of the worker registered on {@code channel}, or {@code null}. */
  public synchronized String workerOn(Channel channel) {
    for (Entry e : workers.values()) {
      if (e.channel() == channel) {
        return e.worker().id();
      }
    }
    return null;
  }

  /** The registered workers, in registration order. */
  public synchronized List<RegisteredWorker> workers() {
    List<RegisteredWorker> list = new ArrayList<>(workers.size());
    for (Entry e : workers.values()) {
      list.add(e.worker());
    }
    return list;
  }

  /** Slots of all registered workers. */
  public synchronized int totalSlots() {
    int n = 0;
    for (Entry e : workers.values()) {
      n += e.worker().slots();
    }
    return n;
  }
}
