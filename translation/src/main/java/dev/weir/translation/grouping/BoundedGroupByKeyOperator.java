package dev.weir.translation.grouping;

import dev.weir.engine.checkpoint.SnapshotDeclinedException;
import dev.weir.engine.operator.AbstractOperator;
import dev.weir.engine.operator.OperatorContext;
import dev.weir.engine.time.Watermarks;
import dev.weir.state.PrivateFiles;
import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.DataOutputView;
import dev.weir.translation.metrics.JobMetrics;
import dev.weir.translation.metrics.StepOutputCounts;
import dev.weir.translation.state.OutputTimestamps;
import dev.weir.translation.wire.EncodedKey;
import dev.weir.translation.wire.KeyBytes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.stream.Stream;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;
import org.joda.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A GroupByKey of a bounded input in a job without checkpoints (a batch job), whose windowing fires
 * each key and window once, on time (windows that do not merge, the default trigger, no allowed
 * lateness). It groups without keyed state: values are kept encoded per key and window in a {@link
 * GroupTable}, and when the grouping buffers of the JVM outgrow their share of the heap ({@link
 * GroupingMemory}) the table is written to disk as a {@link SortedRun}. When the input ends, the
 * table (without runs) or the runs merged in key order are emitted: one {@code ON_TIME} pane per
 * key and window, timestamped as the TimestampCombiner says, as ReduceFnRunner would. So a batch
 * GroupByKey handles input several times the heap, as long as each single group fits in memory.
 *
 * <p>Results come out when the input ends; the output watermark stays back until then. Values
 * arriving for a window the input watermark has passed are dropped, as Beam drops expired data. It
 * cannot be snapshotted (what it holds is not keyed state): a savepoint asked of its job is
 * declined, naming it. Called on the task's thread only.
 */
public final class BoundedGroupByKeyOperator<K, V>
    extends AbstractOperator<WindowedValue<KV<K, V>>, WindowedValue<KV<K, Iterable<V>>>> {

  private static final Logger LOG = LoggerFactory.getLogger(BoundedGroupByKeyOperator.class);

  /** The table's growth is reserved from {@link GroupingMemory} in steps of this many bytes. */
  private static final long RESERVATION_STEP = 1 << 20;

  /** Below this a buffer is not written out even when memory is short: runs would be tiny. */
  private static final long MIN_RUN_BYTES = 1 << 20;

  private final String stepName;
  private final Coder<K> keyCoder;
  private final Coder<V> valueCoder;
  private final Coder<BoundedWindow> windowCoder;
  private final TimestampCombiner timestampCombiner;
  private final String spillDir;
  private final StepOutputCounts outputCounts;

  private long runBytes = Long.MAX_VALUE;

  private transient GroupTable table;
  private transient DataOutputView encoded;
  private transient List<Path> runs;
  private transient Path spillFolder;
  private transient long reserved;
  private transient long inputWatermark;
  private transient BoundedWindow lastWindow;
  private transient byte[] lastWindowBytes;

  /** How many runs were written (tests). */
  transient int runsWritten;

  /**
   * @param spillDir where runs go ({@code null}: weir-spill-USER in the temporary directory)
   * @param outputPCollection the name of the PCollection produced, for Beam's element count
   */
  public BoundedGroupByKeyOperator(
      String stepName,
      Coder<K> keyCoder,
      Coder<V> valueCoder,
      Coder<BoundedWindow> windowCoder,
      TimestampCombiner timestampCombiner,
      String spillDir,
      JobMetrics metrics,
      String outputPCollection) {
    this.stepName = stepName;
    this.keyCoder = keyCoder;
    this.valueCoder = valueCoder;
    this.windowCoder = windowCoder;
    this.timestampCombiner = timestampCombiner;
    this.spillDir = spillDir;
    this.outputCounts = new StepOutputCounts(stepName, metrics, outputPCollection);
  }

  /** Also writes a run whenever the table holds more than {@code bytes} (tests). */
  BoundedGroupByKeyOperator<K, V> spillingAbove(long bytes) {
    this.runBytes = bytes;
    return this;
  }

  @Override
  public void open(OperatorContext<WindowedValue<KV<K, Iterable<V>>>> context) throws Exception {
    super.open(context);
    table = new GroupTable();
    encoded = new DataOutputView(64);
    runs = new ArrayList<>();
    inputWatermark = Watermarks.MIN;
    outputCounts.open();
  }

  @Override
  public void processElement(WindowedValue<KV<K, V>> element) throws Exception {
    KeyBytes key = (KeyBytes) context.currentKey();
    encoded.clear();
    valueCoder.encode(element.getValue().getValue(), encoded);
    long timestamp = element.getTimestamp().getMillis();
    long keyPrefix = key.prefix();
    for (BoundedWindow window : element.getWindows()) {
      long end = window.maxTimestamp().getMillis();
      if (end < inputWatermark) {
        continue; // the window expired and allows no lateness: Beam drops the data
      }
      long output = timestampCombiner == TimestampCombiner.END_OF_WINDOW ? end : timestamp;
      GroupTable.Group group = table.find(key, keyPrefix, window);
      if (group == null) {
        group = table.create(key, keyPrefix, window, output);
      } else {
        group.outputMillis =
            OutputTimestamps.combine(timestampCombiner, group.outputMillis, output);
      }
      table.append(group, encoded);
    }
    long held = table.bytes();
    // The JVM-wide count is shared by every grouping task: it is told in steps of a
    // megabyte, not per value (the contended counter cost a sixth of a GroupByKey's time).
    if (held - reserved >= RESERVATION_STEP || held > runBytes) {
      GroupingMemory.reserve(held - reserved);
      reserved = held;
      if (reserved > runBytes || (reserved > MIN_RUN_BYTES && GroupingMemory.exhausted())) {
        spill();
      }
    }
  }

  /** Writes the table to a new run and empties it. */
  private void spill() throws IOException {
    if (runs.isEmpty() && runsWritten == 0) {
      LOG.info(
          "GroupByKey '{}' outgrew its share of the heap ({} MB held, {} MB for all groupings);"
              + " writing sorted runs to {}",
          stepName,
          reserved >> 20,
          GroupingMemory.budget() >> 20,
          spillFolder());
    }
    runs.add(SortedRun.write(spillFolder(), table.sorted(this::encodeWindow)));
    runsWritten++;
    table.clear();
    GroupingMemory.release(reserved);
    reserved = 0;
  }

  private byte[] encodeWindow(BoundedWindow window) throws IOException {
    if (window != lastWindow && !window.equals(lastWindow)) {
      lastWindowBytes = CoderUtils.encodeToByteArray(windowCoder, window);
      lastWindow = window;
    }
    return lastWindowBytes;
  }

  private Path spillFolder() throws IOException {
    if (spillFolder == null) {
      Path root =
          spillDir != null
              ? Path.of(spillDir)
              : Path.of(
                  System.getProperty("java.io.tmpdir"),
                  "weir-spill-" + System.getProperty("user.name"));
      PrivateFiles.prepareDirectory(root, "--spillDir");
      spillFolder = Files.createTempDirectory(root, "gbk-");
    }
    return spillFolder;
  }

  /** The groups are emitted once the input ends; until then the output watermark stays back. */
  @Override
  public void processWatermark(long watermark) throws Exception {
    inputWatermark = watermark;
    if (watermark == Watermarks.MAX) {
      emitAll();
      context.emitWatermark(watermark);
    }
  }

  private void emitAll() throws Exception {
    if (runs.isEmpty()) {
      DataInputView in = new DataInputView();
      table.forEach(
          g -> {
            List<V> values = new ArrayList<>(g.count);
            in.setBuffer(g.values, 0, g.length);
            decode(in, g.count, values);
            K key = EncodedKey.decode(keyCoder, g.key);
            emit(key, g.window, g.outputMillis, values);
          });
      table.clear();
    } else {
      if (!table.isEmpty()) {
        spill();
      }
      mergeRuns();
    }
    GroupingMemory.release(reserved);
    reserved = 0;
    outputCounts.flush();
  }

  /** Emits each key and window once, from the runs merged in key order; deletes them as it goes. */
  private void mergeRuns() throws Exception {
    LOG.info("GroupByKey '{}' merges {} sorted runs", stepName, runs.size());
    PriorityQueue<SortedRun> queue = new PriorityQueue<>(SortedRun::compareTo);
    List<SortedRun> open = new ArrayList<>();
    try {
      for (Path file : runs) {
        SortedRun run = new SortedRun(file);
        open.add(run);
        if (run.advance()) {
          queue.add(run);
        }
      }
      runs.clear();
      DataInputView in = new DataInputView();
      List<SortedRun> same = new ArrayList<>();
      while (!queue.isEmpty()) {
        SortedRun first = queue.poll();
        same.add(first);
        while (!queue.isEmpty() && queue.peek().sameGroup(first)) {
          same.add(queue.poll());
        }
        List<V> values = new ArrayList<>();
        long outputMillis = first.outputMillis;
        for (SortedRun run : same) {
          in.setBuffer(run.values, 0, run.values.length);
          decode(in, run.count, values);
          outputMillis =
              OutputTimestamps.combine(timestampCombiner, outputMillis, run.outputMillis);
        }
        K key = CoderUtils.decodeFromByteArray(keyCoder, first.key);
        BoundedWindow window = CoderUtils.decodeFromByteArray(windowCoder, first.window);
        emit(key, window, outputMillis, values);
        for (SortedRun run : same) {
          if (run.advance()) {
            queue.add(run);
          }
        }
        same.clear();
      }
    } finally {
      closeAll(open);
    }
  }

  private void decode(DataInputView in, int count, List<V> into) throws IOException {
    for (int i = 0; i < count; i++) {
      into.add(valueCoder.decode(in));
    }
  }

  private void emit(K key, BoundedWindow window, long outputMillis, List<V> values) {
    outputCounts.count();
    output.emit(
        WindowedValues.of(
            KV.of(key, (Iterable<V>) values),
            new Instant(outputMillis),
            window,
            PaneInfo.ON_TIME_AND_ONLY_FIRING));
  }

  private static void closeAll(List<SortedRun> runs) throws IOException {
    IOException failure = null;
    for (SortedRun run : runs) {
      try {
        run.close();
      } catch (IOException e) {
        failure = failure == null ? e : failure;
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  @Override
  public byte[] snapshotOperatorState(long checkpointId) throws Exception {
    throw new SnapshotDeclinedException(
        "GroupByKey '"
            + stepName
            + "' groups a bounded input outside keyed state (spilling to local disk when it"
            + " outgrows memory) and cannot be snapshotted; run the job with"
            + " --checkpointingInterval to take savepoints of it");
  }

  /** Releases the memory share and deletes every run (also after a failure). */
  @Override
  public void close() throws Exception {
    if (table != null) {
      table.clear();
      GroupingMemory.release(reserved);
      reserved = 0;
    }
    outputCounts.close();
    if (spillFolder != null) {
      try (Stream<Path> files = Files.list(spillFolder)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          Files.deleteIfExists(f);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot delete the grouping runs in " + spillFolder, e);
      } finally {
        Files.deleteIfExists(spillFolder);
        spillFolder = null;
      }
    }
  }
}
