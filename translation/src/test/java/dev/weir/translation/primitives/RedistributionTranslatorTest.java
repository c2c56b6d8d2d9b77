package dev.weir.translation.primitives;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.engine.graph.JobVertex;
import dev.weir.translation.PipelineTranslator;
import dev.weir.translation.context.TranslationSettings;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.CrashingRunner;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Redistribute;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.KV;
import org.junit.jupiter.api.Test;

/** Reshuffle and Redistribute become one exchange each, not Beam's GroupByKey-based expansion. */
class RedistributionTranslatorTest {

  @Test
  void reshuffleAndRedistributeAreExchangesWithoutAGroupByKey() {
    PipelineOptions options = PipelineOptionsFactory.create();
    options.setRunner(CrashingRunner.class); // only translated here, never run
    Pipeline p = Pipeline.create(options);
    p.apply("Numbers", Create.of(1, 2, 3))
        .apply("Spread", Reshuffle.viaRandomKey())
        .apply("Again", Redistribute.arbitrarily());
    p.apply("Pairs", Create.of(KV.of("a", 1), KV.of("b", 2))).apply("ByKey", Redistribute.byKey());
    PipelineTranslator.applyOverrides(p);
    List<String> names =
        PipelineTranslator.translate(
                p, "job", TranslationSettings.withParallelism(2), p.getOptions())
            .jobGraph()
            .vertices()
            .stream()
            .map(JobVertex::name)
            .toList();
    assertThat(names).noneMatch(n -> n.contains("GroupByKey") || n.contains("RestoreMetadata"));
    assertThat(names)
        .anyMatch(n -> n.endsWith("Spread/Reshuffle"))
        .anyMatch(n -> n.endsWith("Again/Redistribute.RedistributeByKey"))
        .anyMatch(n -> n.equals("ByKey"));
  }
}
