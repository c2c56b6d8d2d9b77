package dev.weir.benchmarks.beam;

import dev.weir.benchmarks.RunResult;
import dev.weir.benchmarks.Workloads;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.GenerateSequence;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Sessions;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * W1 and W2 as Beam pipelines, run unchanged on any runner the options name. Results leave the
 * pipeline as Beam counters (a checksum, and the rows) read from the pipeline's metrics, so a
 * runner whose workers run in other JVMs reports the same way as one in this JVM.
 */
public final class BeamWorkloads {

  private static final Counter CHECKSUM = Metrics.counter(BeamWorkloads.class, "checksum");
  private static final Counter ROWS = Metrics.counter(BeamWorkloads.class, "rows");

  private BeamWorkloads() {}

  /** Adds W1's count to the checksum. */
  static final class AddCount extends DoFn<Long, Void> {
    @ProcessElement
    public void process(@Element Long count) {
      CHECKSUM.inc(count);
      ROWS.inc();
    }
  }

  /** Folds W2's (key, sum) rows into the checksum. */
  static final class FoldSums extends DoFn<KV<Long, Long>, Void> {
    @ProcessElement
    public void process(@Element KV<Long, Long> row) {
      CHECKSUM.inc(Workloads.foldKeyedSum(0, row.getKey(), row.getValue()));
      ROWS.inc();
    }
  }

  /** Folds a GroupByKey's (key, values) group, in its window, into the checksum. */
  static final class FoldGroups extends DoFn<KV<Long, Iterable<Long>>, Void> {
    @ProcessElement
    public void process(@Element KV<Long, Iterable<Long>> group, BoundedWindow window) {
      long sum = 0;
      for (long v : group.getValue()) {
        sum += v;
      }
      long id = group.getKey() * 31 + window.maxTimestamp().getMillis();
      CHECKSUM.inc(Workloads.foldKeyedSum(0, id, sum));
      ROWS.inc();
    }
  }

  /** A finished pipeline: how long it ran and what its counters say. */
  private record Finished(long elapsedNanos, long checksum, long rows) {}

  /**
   * A windowed GroupByKey (no combiner to lift): record {@code i} is (i mod 1,000, i) at event time
   * i/100 ms, in 1 s fixed windows or in sessions with a 50 ms gap (each key's records then merge
   * into one long session); the groups are summed after the GroupByKey.
   */
  public static RunResult windowedGroupByKey(
      String system, PipelineOptions options, long records, boolean sessions) {
    Pipeline p = Pipeline.create(options);
    PCollection<KV<Long, Long>> pairs =
        p.apply(
                "Numbers",
                GenerateSequence.from(0).to(records).withTimestampFn(i -> new Instant(i / 100)))
            .apply(
                "Pair",
                MapElements.into(
                        TypeDescriptors.kvs(TypeDescriptors.longs(), TypeDescriptors.longs()))
                    .via((Long i) -> KV.of(i % 1_000, i)));
    pairs =
        pairs.apply(
            "Window",
            sessions
                ? Window.into(Sessions.withGapDuration(Duration.millis(50)))
                : Window.into(FixedWindows.of(Duration.standardSeconds(1))));
    pairs.apply("Group", GroupByKey.create()).apply("Fold", ParDo.of(new FoldGroups()));
    Finished f = run(p, result -> {});
    return new RunResult(
        system,
        sessions ? "G2 session GBK" : "G1 window GBK",
        records,
        f.checksum(),
        f.elapsedNanos());
  }

  public static RunResult grep(String system, PipelineOptions options, long lines) {
    Pipeline p = Pipeline.create(options);
    p.apply("Lines", GenerateSequence.from(0).to(lines))
        .apply("Line", MapElements.into(TypeDescriptors.strings()).via(Workloads::line))
        .apply("Grep", Filter.by((String line) -> line.contains(Workloads.NEEDLE)))
        .apply("Count", Count.globally())
        .apply("Collect", ParDo.of(new AddCount()));
    Finished f = run(p, result -> {});
    return new RunResult(system, "W1 grep", lines, f.checksum(), f.elapsedNanos());
  }

  public static RunResult keyedSum(String system, PipelineOptions options, long records) {
    return keyedSum(system, options, records, result -> {});
  }

  /** Sums a key's grouped values: W2's sums without a combiner to lift. */
  static final class SumGroup extends DoFn<KV<Long, Iterable<Long>>, KV<Long, Long>> {
    @ProcessElement
    public void process(
        @Element KV<Long, Iterable<Long>> group, OutputReceiver<KV<Long, Long>> out) {
      long sum = 0;
      for (long v : group.getValue()) {
        sum += v;
      }
      out.output(KV.of(group.getKey(), sum));
    }
  }

  /** W2's input: record {@code i} as (its key, i). */
  private static PCollection<KV<Long, Long>> keyedNumbers(Pipeline p, long records) {
    return p.apply("Numbers", GenerateSequence.from(0).to(records))
        .apply(
            "Pair",
            MapElements.into(TypeDescriptors.kvs(TypeDescriptors.longs(), TypeDescriptors.longs()))
                .via((Long i) -> KV.of(Workloads.key(i), i)));
  }

  /**
   * W2 through a GroupByKey instead of a lifted Combine: every record crosses the keyed exchange
   * (no partial sums before it), then each key's values are summed. Same sums, same checksum as W2.
   */
  public static RunResult keyedSumGrouped(String system, PipelineOptions options, long records) {
    Pipeline p = Pipeline.create(options);
    keyedNumbers(p, records)
        .apply("Group", GroupByKey.create())
        .apply("Sum", ParDo.of(new SumGroup()))
        .apply("Collect", ParDo.of(new FoldSums()));
    Finished f = run(p, result -> {});
    return new RunResult(system, "W2 via GroupByKey", records, f.checksum(), f.elapsedNanos());
  }

  /**
   * W2, handing the finished pipeline's result to {@code finished} (to read its checkpoint
   * figures).
   */
  public static RunResult keyedSum(
      String system, PipelineOptions options, long records, Consumer<PipelineResult> finished) {
    Pipeline p = Pipeline.create(options);
    keyedNumbers(p, records)
        .apply("SumPerKey", Sum.longsPerKey())
        .apply("Collect", ParDo.of(new FoldSums()));
    Finished f = run(p, finished);
    long expected = Math.min(records, Workloads.DISTINCT_KEYS);
    if (records >= 1_000_000 && f.rows() != expected) {
      throw new IllegalStateException(
          "W2 on " + system + " emitted " + f.rows() + " sums, expected " + expected);
    }
    return new RunResult(system, "W2 keyed sum", records, f.checksum(), f.elapsedNanos());
  }

  private static Finished run(Pipeline p, Consumer<PipelineResult> finished) {
    long start = System.nanoTime();
    PipelineResult result = p.run();
    PipelineResult.State state = result.waitUntilFinish();
    long elapsed = System.nanoTime() - start;
    if (state != PipelineResult.State.DONE) {
      throw new IllegalStateException("pipeline ended " + state);
    }
    finished.accept(result);
    Map<String, Long> counters = BeamCounters.attempted(result, BeamWorkloads.class);
    return new Finished(
        elapsed, counters.getOrDefault("checksum", 0L), counters.getOrDefault("rows", 0L));
  }
}
