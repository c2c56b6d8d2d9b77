package dev.weir.engine.time;

import dev.weir.engine.operator.TimeDomain;
import dev.weir.engine.operator.TimedNamespaceSerializer;
import dev.weir.engine.operator.Timer;
import dev.weir.engine.operator.TimerService;
import dev.weir.engine.serialization.KryoSerializer;
import dev.weir.state.KeyGroupRange;
import dev.weir.state.KeyedStateBackend;
import dev.weir.state.KeyedStateBackend.StateSnapshot;
import dev.weir.state.Prefetch;
import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.DataOutputView;
import dev.weir.state.serialization.TypeSerializer;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Collection;
import java.util.List;

/**
 * Event- and processing-time timers of one keyed operator, per key and namespace. A timer is
 * registered once however often it is set, and a deleted one is gone. Timers fire in timestamp
 * order, each with its key made current in the keyed state backend. Processing-time timers keep
 * exactly one wake-up scheduled with the task, for the earliest of them. Single-threaded.
 */
public final class KeyedTimerService implements TimerService {

  /** Receives fired timers. */
  @FunctionalInterface
  public interface Handler {
    void onTimer(Timer timer) throws Exception;
  }

  private final KeyedStateBackend<Object> keys;
  private final ProcessingTimeScheduler scheduler;
  private final Handler handler;
  private final TimerQueue eventTimers = new TimerQueue();
  private final TimerQueue processingTimers = new TimerQueue();

  /** Null unless the operator keeps one timer per key and slot; then with {@link #slotIndex}. */
  private TimerSlots slots;

  private SlotIndex slotIndex;
  private long watermark = Watermarks.MIN;

  /** Time of the one wake-up the scheduler holds for processing-time timers, or MAX_VALUE. */
  private long scheduledWakeUp = Long.MAX_VALUE;

  /** Identifies the current wake-up; superseded ones do nothing when they run. */
  private long wakeUpGeneration;

  private boolean firingProcessingTimers;

  /** Until the operator sets one: plain values only, since timers are read back from files. */
  private TypeSerializer<Object> namespaceSerializer = KryoSerializer.registeredOnly(Object.class);

  /**
   * Restored timer snapshots, read once the operator had the chance to set the namespace
   * serializer.
   */
  private List<byte[]> pendingRestore = List.of();

  public KeyedTimerService(
      KeyedStateBackend<Object> keys, ProcessingTimeScheduler scheduler, Handler handler) {
    this.keys = keys;
    this.scheduler = scheduler;
    this.handler = handler;
  }

  private Timer timer(Object namespace, long timestamp, TimeDomain domain) {
    return new Timer(timestamp, keys.currentKey(), namespace, domain, keys.currentKeyGroup());
  }

  @Override
  @SuppressWarnings("unchecked")
  public void setNamespaceSerializer(TypeSerializer<?> serializer) {
    this.namespaceSerializer = (TypeSerializer<Object>) serializer;
  }

  @Override
  public void setTimerSlots(TimerSlots slots) {
    if (eventTimers.size() + processingTimers.size() > 0) {
      throw new IllegalStateException("timer slots are set before any timer is registered");
    }
    this.slots = slots;
    this.slotIndex = new SlotIndex();
  }

  @Override
  public void registerEventTimeTimer(Object namespace, long timestamp) {
    if (slots != null) {
      setTimer(namespace, timestamp, TimeDomain.EVENT_TIME);
    } else {
      eventTimers.add(timer(namespace, timestamp, TimeDomain.EVENT_TIME));
    }
  }

  @Override
  public void deleteEventTimeTimer(Object namespace, long timestamp) {
    if (slots != null) {
      deleteInSlot(namespace, timestamp, TimeDomain.EVENT_TIME);
    } else {
      eventTimers.remove(timer(namespace, timestamp, TimeDomain.EVENT_TIME));
    }
  }

  @Override
  public void registerProcessingTimeTimer(Object namespace, long timestamp) {
    if (slots != null) {
      setTimer(namespace, timestamp, TimeDomain.PROCESSING_TIME);
    } else if (processingTimers.add(timer(namespace, timestamp, TimeDomain.PROCESSING_TIME))
        && !firingProcessingTimers) {
      scheduleWakeUp();
    }
  }

  @Override
  public void deleteProcessingTimeTimer(Object namespace, long timestamp) {
    if (slots != null) {
      deleteInSlot(namespace, timestamp, TimeDomain.PROCESSING_TIME);
    } else {
      processingTimers.remove(timer(namespace, timestamp, TimeDomain.PROCESSING_TIME));
    }
  }

  private TimerQueue queue(TimeDomain domain) {
    return domain == TimeDomain.EVENT_TIME ? eventTimers : processingTimers;
  }

  @Override
  public Object setTimer(Object namespace, long timestamp, TimeDomain domain) {
    requireSlots();
    Object key = keys.currentKey();
    Object slot = slots.slotOf(namespace);
    int hash = SlotIndex.hash(key, slot);
    TimerQueue.Node old = slotIndex.get(key, slot, hash);
    if (old != null) {
      Timer t = old;
      if (t.timestamp() == timestamp
          && t.domain() == domain
          && (t.namespace() == namespace || t.namespace().equals(namespace))) {
        return t.namespace(); // set again as it is (per element, say): nothing to do
      }
      queue(t.domain()).removeInSlot(old);
      slotIndex.remove(old);
    }
    slotIndex.put(
        queue(domain)
            .addInSlot(timestamp, key, namespace, domain, keys.currentKeyGroup(), slot, hash));
    if (domain == TimeDomain.PROCESSING_TIME && !firingProcessingTimers) {
      scheduleWakeUp();
    }
    return old == null ? null : old.namespace();
  }

  @Override
  public Object deleteTimerInSlot(Object slot) {
    requireSlots();
    Object key = keys.currentKey();
    TimerQueue.Node node = slotIndex.get(key, slot, SlotIndex.hash(key, slot));
    if (node == null) {
      return null;
    }
    queue(node.domain()).removeInSlot(node);
    slotIndex.remove(node);
    return node.namespace();
  }

  private void deleteInSlot(Object namespace, long timestamp, TimeDomain domain) {
    Object key = keys.currentKey();
    Object slot = slots.slotOf(namespace);
    TimerQueue.Node node = slotIndex.get(key, slot, SlotIndex.hash(key, slot));
    if (node != null
        && node.timestamp() == timestamp
        && node.domain() == domain
        && node.namespace().equals(namespace)) {
      queue(domain).removeInSlot(node);
      slotIndex.remove(node);
    }
  }

  private void requireSlots() {
    if (slots == null) {
      throw new IllegalStateException("this operator's timers have no slots (setTimerSlots)");
    }
  }

  @Override
  public void forEachTimer(java.util.function.Consumer<Timer> visitor) throws Exception {
    completeRestore();
    eventTimers.forEach(visitor);
    processingTimers.forEach(visitor);
  }

  /** The next due timer of {@code queue} up to {@code time}, out of its slot; or null. */
  private Timer poll(TimerQueue queue, long time) {
    TimerQueue.Node node = queue.pollNodeUpTo(time);
    if (node == null) {
      return null;
    }
    if (node.slot != null) {
      slotIndex.remove(node);
    }
    return node;
  }

  /** Makes sure exactly one wake-up is scheduled, for the earliest processing-time timer. */
  private void scheduleWakeUp() {
    long earliest = processingTimers.earliest();
    if (earliest < scheduledWakeUp) {
      scheduledWakeUp = earliest;
      long generation = ++wakeUpGeneration;
      scheduler.scheduleAt(earliest, () -> onProcessingTime(generation));
    }
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
    while ((t = poll(eventTimers, newWatermark)) != null) {
      keys.setCurrentKey(t.key());
      handler.onTimer(t);
    }
  }

  @Override
  public void fireAllProcessingTimeTimers() throws Exception {
    firingProcessingTimers = true;
    try {
      Timer t;
      while ((t = poll(processingTimers, Long.MAX_VALUE)) != null) {
        keys.setCurrentKey(t.key());
        handler.onTimer(t);
      }
    } finally {
      firingProcessingTimers = false;
    }
  }

  @Override
  public long nextProcessingTimeTimer() throws Exception {
    completeRestore();
    return processingTimers.earliest();
  }

  @Override
  public boolean fireNextProcessingTimeTimer() throws Exception {
    completeRestore();
    Timer t = poll(processingTimers, Long.MAX_VALUE);
    if (t == null) {
      return false;
    }
    keys.setCurrentKey(t.key());
    handler.onTimer(t);
    return true;
  }

  private void onProcessingTime(long generation) throws Exception {
    if (generation != wakeUpGeneration) {
      return; // an earlier timer was registered meanwhile; its wake-up took over
    }
    scheduledWakeUp = Long.MAX_VALUE;
    long now = scheduler.currentTimeMillis();
    firingProcessingTimers = true;
    try {
      Timer t;
      while ((t = poll(processingTimers, now)) != null) {
        keys.setCurrentKey(t.key());
        handler.onTimer(t);
      }
    } finally {
      firingProcessingTimers = false;
    }
    scheduleWakeUp();
  }

  /**
   * Captures the live timers (one array copy per time domain, in the task thread) and returns what
   * orders and writes them to bytes later, on any thread: per timer its domain, timestamp, key
   * group, key and namespace. Namespaces are written with Kryo.
   */
  public StateSnapshot snapshot() throws IOException {
    completeRestore();
    TimerQueue.Captured event = eventTimers.capture();
    TimerQueue.Captured processing = processingTimers.capture();
    TypeSerializer<Object> keySerializer = keys.keySerializer().duplicate();
    TypeSerializer<Object> namespaces = namespaceSerializer.duplicate();
    return stream -> {
      int count = event.size() + processing.size();
      // Written in chunks: a buffer of the whole snapshot would be allocated, zeroed and copied
      // once per checkpoint.
      DataOutputView out = new DataOutputView(2 * WRITE_CHUNK);
      out.writeInt(TIMERS_MAGIC);
      out.writeInt(TIMERS_VERSION);
      out.writeInt(count);
      writeTimers(event.inFiringOrder(), keySerializer, namespaces, out, stream);
      writeTimers(processing.inFiringOrder(), keySerializer, namespaces, out, stream);
      stream.write(out.array(), 0, out.length());
    };
  }

  /** Timers per batch when writing a snapshot: their keys are loaded together (see Prefetch). */
  private static final int WRITE_BATCH = 64;

  /** Bytes of timers collected before they go to the snapshot's stream. */
  private static final int WRITE_CHUNK = 32 * 1024;

  private static void writeTimers(
      Timer[] timers,
      TypeSerializer<Object> keySerializer,
      TypeSerializer<Object> namespaces,
      DataOutputView out,
      OutputStream stream)
      throws IOException {
    Object[] keys = new Object[WRITE_BATCH];
    TimedNamespaceSerializer timed = namespaces instanceof TimedNamespaceSerializer t ? t : null;
    for (int from = 0; from < timers.length; from += WRITE_BATCH) {
      int n = Math.min(WRITE_BATCH, timers.length - from);
      for (int i = 0; i < n; i++) {
        keys[i] = timers[from + i].key();
      }
      Prefetch.headers(keys, n);
      for (int i = 0; i < n; i++) {
        Timer t = timers[from + i];
        out.writeByte(t.domain() == TimeDomain.EVENT_TIME ? EVENT_TIME_CODE : PROCESSING_TIME_CODE);
        out.writeLong(t.timestamp());
        out.writeInt(t.keyGroup());
        keySerializer.serialize(keys[i], out);
        if (timed != null) {
          timed.serialize(t.namespace(), t.timestamp(), out);
        } else {
          namespaces.serialize(t.namespace(), out);
        }
      }
      if (out.length() >= WRITE_CHUNK) {
        stream.write(out.array(), 0, out.length());
        out.clear();
      }
    }
  }

  /**
   * Version 2: magic "WTMR", version, count, then per timer its domain's code, timestamp, key
   * group, key and namespace. Version 1 (still read) began with the magic "TIMR" and no version,
   * and stored the domain's ordinal (event time 0, processing time 1).
   */
  private static final int TIMERS_MAGIC = 0x57544D52; // "WTMR"

  private static final int TIMERS_MAGIC_V1 = 0x54494D52; // "TIMR"

  private static final int TIMERS_VERSION = 2;
  private static final int EVENT_TIME_CODE = 1;
  private static final int PROCESSING_TIME_CODE = 2;

  private static TimeDomain domain(int version, byte stored) throws IOException {
    int eventTime = version == 1 ? 0 : EVENT_TIME_CODE;
    int processingTime = version == 1 ? 1 : PROCESSING_TIME_CODE;
    if (stored == eventTime) {
      return TimeDomain.EVENT_TIME;
    }
    if (stored == processingTime) {
      return TimeDomain.PROCESSING_TIME;
    }
    throw new IOException("the timer snapshot is corrupt: unknown time domain " + stored);
  }

  /**
   * Registers the timers of snapshots (of any subtasks of the operator) whose key groups this
   * subtask owns. Call before the operator runs.
   */
  public void restore(Collection<byte[]> snapshots) {
    pendingRestore = List.copyOf(snapshots);
  }

  /**
   * Reads restored timers (with the namespace serializer the operator set); called once the
   * operator is open.
   */
  public void completeRestore() throws IOException {
    if (pendingRestore.isEmpty()) {
      return;
    }
    List<byte[]> snapshots = pendingRestore;
    pendingRestore = List.of();
    KeyGroupRange range = keys.keyGroupRange();
    TypeSerializer<Object> namespaces = namespaceSerializer;
    for (byte[] bytes : snapshots) {
      DataInputView in = new DataInputView(bytes);
      int magic = bytes.length < 8 ? 0 : in.readInt();
      int version;
      if (magic == TIMERS_MAGIC) {
        version = in.readInt();
        if (version != TIMERS_VERSION) {
          throw new IOException(
              "timer snapshot version "
                  + version
                  + " is not supported (this Weir reads "
                  + TIMERS_VERSION
                  + " and 1)");
        }
      } else if (magic == TIMERS_MAGIC_V1) {
        version = 1;
      } else {
        throw new IOException("not a Weir timer snapshot (bad magic number)");
      }
      int n = in.readInt();
      if (n < 0 || n > bytes.length) {
        throw new IOException("the timer snapshot is corrupt: it claims " + n + " timers");
      }
      for (int i = 0; i < n; i++) {
        TimeDomain domain = domain(version, in.readByte());
        long timestamp = in.readLong();
        int keyGroup = in.readInt();
        Object key = keys.keySerializer().deserialize(in);
        Object namespace = namespaces.deserialize(in);
        if (range.contains(keyGroup)) {
          if (slots != null) {
            Object slot = slots.slotOf(namespace);
            int hash = SlotIndex.hash(key, slot);
            TimerQueue.Node old = slotIndex.get(key, slot, hash);
            if (old != null) { // one timer per slot, whatever a snapshot holds
              queue(old.domain()).removeInSlot(old);
              slotIndex.remove(old);
            }
            slotIndex.put(
                queue(domain).addInSlot(timestamp, key, namespace, domain, keyGroup, slot, hash));
          } else {
            queue(domain).add(new Timer(timestamp, key, namespace, domain, keyGroup));
          }
        }
      }
    }
    scheduleWakeUp();
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
