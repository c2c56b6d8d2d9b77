package dev.weir.runner.semantics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Contextful;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Deduplicate;
import org.apache.beam.sdk.transforms.Distinct;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupIntoBatches;
import org.apache.beam.sdk.transforms.Latest;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Partition;
import org.apache.beam.sdk.transforms.Reify;
import org.apache.beam.sdk.transforms.Sample;
import org.apache.beam.sdk.transforms.Top;
import org.apache.beam.sdk.transforms.Wait;
import org.apache.beam.sdk.transforms.Watch;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.SlidingWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Beam's core transforms that the ValidatesRunner suite covers thinly, run on the DirectRunner and
 * on WeirRunner (batch and streaming) in the same JVM; each pipeline's results, as strings, must be
 * the same multiset. Transforms with runner-chosen results (samples, batch boundaries) are reduced
 * to what Beam specifies about them first.
 */
class DirectRunnerParityTest {

  /** What each run collected, by run id; static: the pipelines run in this JVM. */
  static final Map<String, List<String>> RESULTS = new ConcurrentHashMap<>();

  static final class Collect extends DoFn<String, Void> {
    private final String run;

    Collect(String run) {
      this.run = run;
    }

    @ProcessElement
    public void process(@Element String result) {
      RESULTS
          .computeIfAbsent(run, k -> Collections.synchronizedList(new ArrayList<>()))
          .add(result);
    }
  }

  /** Builds a pipeline's results as strings; {@code dir} is a fresh folder for files it writes. */
  @FunctionalInterface
  interface Case extends Serializable {
    PCollection<String> build(Pipeline p, String dir);
  }

  /** Reads back what a case wrote to files, if it wrote any, as more result strings. */
  @FunctionalInterface
  interface FilesRead {
    List<String> read(Path dir) throws IOException;
  }

  static final FilesRead NO_FILES = dir -> List.of();

  private static PCollection<KV<String, Integer>> timestampedPairs(Pipeline p) {
    List<TimestampedValue<KV<String, Integer>>> values = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      values.add(TimestampedValue.of(KV.of("k" + (i % 3), i), new Instant(i * 1000L)));
    }
    return p.apply(Create.timestamped(values));
  }

  private static String window(Object w) {
    if (w instanceof IntervalWindow iw) {
      return "[" + iw.start().getMillis() + "," + iw.end().getMillis() + ")";
    }
    return w.toString();
  }

  /** A mean whose accumulator is changed in place, as many user CombineFns do. */
  static final class MutableMean extends Combine.CombineFn<Integer, long[], String> {
    @Override
    public long[] createAccumulator() {
      return new long[2];
    }

    @Override
    public long[] addInput(long[] acc, Integer input) {
      acc[0] += input;
      acc[1]++;
      return acc;
    }

    @Override
    public long[] mergeAccumulators(Iterable<long[]> accumulators) {
      long[] merged = null;
      for (long[] acc : accumulators) {
        if (merged == null) {
          merged = acc;
        } else {
          merged[0] += acc[0];
          merged[1] += acc[1];
        }
      }
      return merged == null ? createAccumulator() : merged;
    }

    @Override
    public String extractOutput(long[] acc) {
      return acc[0] + "/" + acc[1];
    }
  }

  /** key@window=value, for any value. */
  static final class FormatWithWindow<V> extends DoFn<KV<String, V>, String> {
    @ProcessElement
    public void process(
        ProcessContext c, org.apache.beam.sdk.transforms.windowing.BoundedWindow w) {
      c.output(c.element().getKey() + "@" + window(w) + "=" + c.element().getValue());
    }
  }

  static final class FormatBatch extends DoFn<KV<String, Iterable<Integer>>, String> {
    private final int size;

    FormatBatch(int size) {
      this.size = size;
    }

    @ProcessElement
    public void process(@Element KV<String, Iterable<Integer>> batch, OutputReceiver<String> out) {
      int n = 0;
      for (Integer v : batch.getValue()) {
        out.output(batch.getKey() + "=" + v);
        n++;
      }
      if (n == 0 || n > size) {
        out.output("batch of " + n + " for " + batch.getKey());
      }
    }
  }

  /** Polls a growing list of outputs for its seed, complete at the third poll. */
  static final class GrowingPoll extends Watch.Growth.PollFn<String, String> {
    private static final Map<String, Integer> POLLS = new ConcurrentHashMap<>();
    private final String run;

    GrowingPoll(String run) {
      this.run = run;
    }

    @Override
    public Watch.Growth.PollResult<String> apply(String seed, Context c) {
      int poll = POLLS.merge(run + seed, 1, Integer::sum);
      List<String> outputs = new ArrayList<>();
      for (int i = 0; i < Math.min(poll, 3) * 2; i++) {
        outputs.add(seed + "-" + i);
      }
      return poll >= 3
          ? Watch.Growth.PollResult.complete(Instant.now(), outputs)
          : Watch.Growth.PollResult.incomplete(Instant.now(), outputs);
    }
  }

  static Stream<Arguments> cases() {
    List<Arguments> all = new ArrayList<>();
    all.add(
        Arguments.of(
            "Combine.perKey with a mutable accumulator, fixed windows",
            (Case)
                (p, dir) ->
                    timestampedPairs(p)
                        .apply(Window.into(FixedWindows.of(Duration.standardSeconds(10))))
                        .apply(Combine.perKey(new MutableMean()))
                        .apply(ParDo.of(new FormatWithWindow<>())),
            NO_FILES));
    all.add(
        Arguments.of(
            "Combine.globally with a mutable accumulator, sliding windows",
            (Case)
                (p, dir) ->
                    timestampedPairs(p)
                        .apply(
                            Window.into(
                                SlidingWindows.of(Duration.standardSeconds(20))
                                    .every(Duration.standardSeconds(5))))
                        .apply(MapElements.into(TypeDescriptors.integers()).via(KV::getValue))
                        .apply(Combine.globally(new MutableMean()).withoutDefaults())
                        .apply(
                            MapElements.into(
                                    TypeDescriptors.kvs(
                                        TypeDescriptors.strings(), TypeDescriptors.strings()))
                                .via(s -> KV.of("all", s)))
                        .apply(ParDo.of(new FormatWithWindow<>())),
            NO_FILES));
    all.add(
        Arguments.of(
            "Count.perElement over sliding windows",
            (Case)
                (p, dir) ->
                    timestampedPairs(p)
                        .apply(
                            Window.into(
                                SlidingWindows.of(Duration.standardSeconds(10))
                                    .every(Duration.standardSeconds(5))))
                        .apply(MapElements.into(TypeDescriptors.strings()).via(KV::getKey))
                        .apply(Count.perElement())
                        .apply(ParDo.of(new FormatWithWindow<>())),
            NO_FILES));
    all.add(
        Arguments.of(
            "Distinct",
            (Case)
                (p, dir) ->
                    p.apply(Create.of(1, 2, 2, 3, 3, 3, 4, 4, 4, 4))
                        .apply(Distinct.create())
                        .apply(MapElements.into(TypeDescriptors.strings()).via(String::valueOf)),
            NO_FILES));
    all.add(
        Arguments.of(
            "Top.largestPerKey",
            (Case)
                (p, dir) ->
                    timestampedPairs(p)
                        .apply(Top.largestPerKey(3))
                        .apply(
                            MapElements.into(TypeDescriptors.strings())
                                .via(kv -> kv.getKey() + "=" + kv.getValue())),
            NO_FILES));
    all.add(
        Arguments.of(
            "Latest.perKey in fixed windows",
            (Case)
                (p, dir) ->
                    timestampedPairs(p)
                        .apply(Window.into(FixedWindows.of(Duration.standardSeconds(15))))
                        .apply(Latest.perKey())
                        .apply(ParDo.of(new FormatWithWindow<>())),
            NO_FILES));
    all.add(
        Arguments.of(
            "Partition",
            (Case)
                (p, dir) -> {
                  PCollectionList<Integer> parts =
                      p.apply(Create.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9))
                          .apply(Partition.of(3, (Integer x, int n) -> x % n));
                  List<PCollection<String>> labelled = new ArrayList<>();
                  for (int i = 0; i < 3; i++) {
                    int part = i;
                    labelled.add(
                        parts
                            .get(i)
                            .apply(
                                "label " + i,
                                MapElements.into(TypeDescriptors.strings())
                                    .via(x -> "part" + part + ":" + x)));
                  }
                  return PCollectionList.of(labelled).apply(Flatten.pCollections());
                },
            NO_FILES));
    all.add(
        Arguments.of(
            "Reify.timestamps and Reify.windows",
            (Case)
                (p, dir) ->
                    timestampedPairs(p)
                        .apply(Window.into(FixedWindows.of(Duration.standardSeconds(20))))
                        .apply(Reify.windows())
                        .apply(
                            MapElements.into(TypeDescriptors.strings())
                                .via(
                                    vi ->
                                        vi.getValue()
                                            + "@"
                                            + vi.getTimestamp().getMillis()
                                            + "@"
                                            + window(vi.getWindow())
                                            + "@"
                                            + vi.getPaneInfo().getTiming())),
            NO_FILES));
    all.add(
        Arguments.of(
            "Deduplicate.values",
            (Case)
                (p, dir) ->
                    p.apply(Create.of("a", "b", "a", "c", "b", "a")).apply(Deduplicate.values()),
            NO_FILES));
    all.add(
        Arguments.of(
            "Sample.fixedSizeGlobally: size and membership",
            (Case)
                (p, dir) ->
                    p.apply(Create.of(Arrays.asList(range(100))))
                        .apply(Sample.fixedSizeGlobally(7))
                        .apply(
                            MapElements.into(TypeDescriptors.strings())
                                .via(
                                    (Iterable<Integer> sample) -> {
                                      List<Integer> all2 = new ArrayList<>();
                                      sample.forEach(all2::add);
                                      boolean inRange =
                                          all2.stream().allMatch(x -> x >= 0 && x < 100);
                                      long distinct = all2.stream().distinct().count();
                                      return "size "
                                          + all2.size()
                                          + ", in range "
                                          + inRange
                                          + ", distinct "
                                          + distinct;
                                    })),
            NO_FILES));
    all.add(
        Arguments.of(
            "GroupIntoBatches.ofSize: every value once, no batch too big",
            (Case)
                (p, dir) ->
                    timestampedPairs(p)
                        .apply(GroupIntoBatches.ofSize(4))
                        .apply(ParDo.of(new FormatBatch(4))),
            NO_FILES));
    all.add(
        Arguments.of(
            "Wait.on",
            (Case)
                (p, dir) -> {
                  PCollection<Integer> signal = p.apply("signal", Create.of(1, 2, 3));
                  return p.apply("main", Create.of("x", "y", "z")).apply(Wait.on(signal));
                },
            NO_FILES));
    all.add(
        Arguments.of(
            "Watch.growthOf until the poll is complete",
            (Case)
                (p, dir) ->
                    p.apply(Create.of("s1", "s2"))
                        .apply(
                            Watch.growthOf(new GrowingPoll(dir))
                                .withPollInterval(Duration.millis(50)))
                        .apply(
                            MapElements.into(TypeDescriptors.strings())
                                .via(kv -> kv.getKey() + "->" + kv.getValue())),
            NO_FILES));
    all.add(
        Arguments.of(
            "TextIO windowed writes",
            (Case)
                (p, dir) -> {
                  timestampedPairs(p)
                      .apply(Window.into(FixedWindows.of(Duration.standardSeconds(20))))
                      .apply(
                          MapElements.into(TypeDescriptors.strings())
                              .via(kv -> kv.getKey() + ":" + kv.getValue()))
                      .apply(
                          TextIO.write()
                              .to(dir + "/out")
                              .withWindowedWrites()
                              .withNumShards(2)
                              .withSuffix(".txt"));
                  return p.apply("nothing", Create.empty(StringUtf8Coder.of()));
                },
            (FilesRead) DirectRunnerParityTest::linesByWindowFile));
    all.add(
        Arguments.of(
            "FileIO.writeDynamic by destination",
            (Case)
                (p, dir) -> {
                  p.apply(Create.of(Arrays.asList(range(30))))
                      .apply(
                          FileIO.<Integer, Integer>writeDynamic()
                              .by(x -> x % 3)
                              .withDestinationCoder(VarIntCoder.of())
                              .via(Contextful.fn((Integer x) -> String.valueOf(x)), TextIO.sink())
                              .to(dir)
                              .withNaming(d -> FileIO.Write.defaultNaming("dest-" + d, ".txt"))
                              .withNumShards(1));
                  return p.apply("nothing", Create.empty(StringUtf8Coder.of()));
                },
            (FilesRead) DirectRunnerParityTest::linesByFile));
    return all.stream();
  }

  static Integer[] range(int n) {
    Integer[] values = new Integer[n];
    for (int i = 0; i < n; i++) {
      values[i] = i;
    }
    return values;
  }

  /** Lines of every file, with the file's name up to its shard number (window and pane kept). */
  static List<String> linesByWindowFile(Path dir) throws IOException {
    List<String> lines = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String name = f.getFileName().toString().replaceAll("-\\d{5}-of-\\d{5}.*", "");
        for (String line : Files.readAllLines(f)) {
          lines.add(name + " | " + line);
        }
      }
    }
    return lines;
  }

  /** Lines of every file, with the file's name. */
  static List<String> linesByFile(Path dir) throws IOException {
    List<String> lines = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        for (String line : Files.readAllLines(f)) {
          lines.add(f.getFileName() + " | " + line);
        }
      }
    }
    return lines;
  }

  private static List<String> run(
      PipelineOptions options, String label, Case c, FilesRead files, Path base)
      throws IOException {
    String run = label + "-" + UUID.randomUUID();
    Path dir = Files.createDirectories(base.resolve(run));
    Pipeline p = Pipeline.create(options);
    c.build(p, dir.toString()).apply("collect", ParDo.of(new Collect(run)));
    assertThat(p.run().waitUntilFinish()).as(label).isEqualTo(PipelineResult.State.DONE);
    List<String> results = new ArrayList<>(RESULTS.getOrDefault(run, List.of()));
    results.addAll(files.read(dir));
    results.sort(null);
    return results;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void weirGivesWhatTheDirectRunnerGives(String name, Case c, FilesRead files, @TempDir Path base)
      throws IOException {
    List<String> direct =
        run(
            PipelineOptionsFactory.fromArgs("--runner=DirectRunner", "--targetParallelism=2")
                .create(),
            "direct",
            c,
            files,
            base);
    assertThat(direct).as("the DirectRunner's results").isNotEmpty();
    Map<String, List<String>> weir = new TreeMap<>();
    for (boolean streaming : List.of(false, true)) {
      weir.put(
          "streaming=" + streaming,
          run(BeamSemanticsTest.options(streaming), "weir", c, files, base));
    }
    for (Map.Entry<String, List<String>> e : weir.entrySet()) {
      assertThat(e.getValue()).as("WeirRunner, %s", e.getKey()).isEqualTo(direct);
    }
  }
}
