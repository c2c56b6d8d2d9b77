package dev.weir.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WordCountTest {

  @Test
  void countsEveryWordOfTheShippedTextOnWeirRunner(@TempDir Path out) throws Exception {
    Path input = Path.of("data/declaration.txt");
    WordCount.Options options =
        PipelineOptionsFactory.fromArgs(
                "--runner=WeirRunner",
                "--parallelism=2",
                "--inputFile=" + input,
                "--output=" + out.resolve("counts"))
            .as(WordCount.Options.class);

    assertThat(WordCount.build(options).run().waitUntilFinish())
        .isEqualTo(PipelineResult.State.DONE);

    Map<String, Long> expected = new HashMap<>();
    for (String word : Files.readString(input).toLowerCase().split("[^\\p{L}']+")) {
      if (!word.isEmpty()) {
        expected.merge(word, 1L, Long::sum);
      }
    }
    Map<String, Long> actual = new HashMap<>();
    try (Stream<Path> files = Files.list(out)) {
      for (Path f : files.filter(p -> p.getFileName().toString().startsWith("counts")).toList()) {
        for (String line : Files.readAllLines(f)) {
          String[] parts = line.split(": ");
          assertThat(actual.put(parts[0], Long.parseLong(parts[1])))
              .as("word %s written once", parts[0])
              .isNull();
        }
      }
    }
    assertThat(actual).isEqualTo(expected);
    assertThat(actual.get("the")).isGreaterThan(5);
  }
}
