package dev.weir.examples;

import java.io.File;
import java.util.Arrays;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.FlatMapElements;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Counts the words of a text with Beam's TextIO, on whichever runner {@code --runner} names: {@code
 * --runner=WeirRunner --inputFile=... --output=...}. Prints where the counts went.
 */
public final class WordCount {

  /** Options of the word count. */
  public interface Options extends PipelineOptions {
    @Description("Text to count the words of (a file or a glob).")
    @Default.String("examples/data/declaration.txt")
    String getInputFile();

    void setInputFile(String value);

    @Description("Prefix of the output files, one 'word: count' per line.")
    @Default.String("target/wordcount/counts")
    String getOutput();

    void setOutput(String value);
  }

  private WordCount() {}

  /** Builds the pipeline: read, split into words, count, format, write. */
  public static Pipeline build(Options options) {
    Pipeline p = Pipeline.create(options);
    p.apply("Read", TextIO.read().from(options.getInputFile()))
        .apply(
            "Words",
            FlatMapElements.into(TypeDescriptors.strings())
                .via((String line) -> Arrays.asList(line.toLowerCase().split("[^\\p{L}']+"))))
        .apply("NonEmpty", Filter.by((String word) -> !word.isEmpty()))
        .apply("Count", Count.perElement())
        .apply(
            "Format",
            MapElements.into(TypeDescriptors.strings())
                .via((KV<String, Long> kv) -> kv.getKey() + ": " + kv.getValue()))
        .apply("Write", TextIO.write().to(options.getOutput()));
    return p;
  }

  public static void main(String[] args) {
    Options options = PipelineOptionsFactory.fromArgs(args).withValidation().as(Options.class);
    PipelineResult.State state = build(options).run().waitUntilFinish();
    File out = new File(options.getOutput()).getAbsoluteFile();
    System.out.println(
        "WordCount "
            + state
            + " on "
            + options.getRunner().getSimpleName()
            + ": counts of "
            + options.getInputFile()
            + " written to "
            + out
            + "-*");
    System.exit(state == PipelineResult.State.DONE ? 0 : 1);
  }
}
