package dev.weir.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.engine.cluster.EngineConfig;
import dev.weir.engine.cluster.RestartStrategy;
import dev.weir.translation.context.UnsupportedTransformException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.FlatMapElements;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.api.Test;

class WeirRunnerSmokeTest {

  private static Pipeline pipeline(String... extra) {
    List<String> args = new ArrayList<>(List.of("--runner=WeirRunner"));
    if (Arrays.stream(extra).noneMatch(a -> a.startsWith("--parallelism"))) {
      args.add("--parallelism=2");
    }
    args.addAll(Arrays.asList(extra));
    PipelineOptions options = PipelineOptionsFactory.fromArgs(args.toArray(new String[0])).create();
    return Pipeline.create(options);
  }

  /** Adds the side input's value to every element. */
  static final class AddSide extends DoFn<Integer, Integer> {
    private final PCollectionView<Integer> side;

    AddSide(PCollectionView<Integer> side) {
      this.side = side;
    }

    @ProcessElement
    public void process(ProcessContext c) {
      c.output(c.element() + c.sideInput(side));
    }
  }

  @Test
  void wordCountRunsAndCountsExactly() {
    Pipeline p = pipeline();
    PCollection<KV<String, Long>> counts =
        p.apply(Create.of("a b c", "a b", "a"))
            .apply(
                FlatMapElements.into(TypeDescriptors.strings())
                    .via((String line) -> Arrays.asList(line.split(" "))))
            .apply(Count.perElement());
    PAssert.that(counts).containsInAnyOrder(KV.of("a", 3L), KV.of("b", 2L), KV.of("c", 1L));
    assertThat(p.run().waitUntilFinish()).isEqualTo(PipelineResult.State.DONE);
  }

  @Test
  void sideInputsReachEveryElement() {
    Pipeline p = pipeline();
    PCollectionView<Integer> total =
        p.apply("sides", Create.of(1, 2, 3)).apply(Sum.integersGlobally().asSingletonView());
    PCollection<Integer> shifted =
        p.apply("main", Create.of(10, 20))
            .apply(ParDo.of(new AddSide(total)).withSideInputs(total));
    PAssert.that(shifted).containsInAnyOrder(16, 26);
    assertThat(p.run().waitUntilFinish()).isEqualTo(PipelineResult.State.DONE);
  }

  static final class UserFailure extends RuntimeException {
    UserFailure(String message) {
      super(message);
    }
  }

  @Test
  void aDoFnThatThrowsFailsThePipelineWithTheUserExceptionAsCause() {
    Pipeline p = pipeline("--jobName=throwing-dofn");
    p.apply(Create.of(1, 2, 3))
        .apply(
            MapElements.into(TypeDescriptors.integers())
                .via(
                    (Integer i) -> {
                      if (i == 2) {
                        throw new UserFailure("two is not allowed");
                      }
                      return i;
                    }));
    PipelineResult result = p.run();
    assertThatThrownBy(result::waitUntilFinish)
        .isInstanceOf(Pipeline.PipelineExecutionException.class)
        .cause()
        .isInstanceOf(UserFailure.class)
        .hasMessage("two is not allowed");
    assertThat(result.getState()).isEqualTo(PipelineResult.State.FAILED);
    List<Thread> alive =
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.isAlive() && t.getName().startsWith("weir[throwing-dofn]"))
            .toList();
    assertThat(alive).isEmpty();
  }

  @Test
  void badOptionsAreRefusedNamingTheOption() {
    assertThatThrownBy(() -> pipeline("--parallelism=0").run())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--parallelism must be at least 1, got 0");
    assertThatThrownBy(() -> pipeline("--noSuchOption=1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("noSuchOption");
    assertThatThrownBy(
            () -> pipeline("--restartDelayMillis=5000", "--maxRestartDelayMillis=1000").run())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--maxRestartDelayMillis (1000) must not be less than");
  }

  /**
   * Issue 12, point 2: a streaming job with checkpoints used to be allowed three restarts over its
   * life; by default it restarts without limit, backing off from --restartDelayMillis up to
   * --maxRestartDelayMillis. Without checkpoints it fails at once unless asked otherwise.
   */
  /** What KafkaIO declares to read the Flink runner's checkpoint interval (as in KafkaIO). */
  public interface KafkaIoFlinkOptions extends PipelineOptions {
    @Default.Long(-1L)
    Long getCheckpointingInterval();

    void setCheckpointingInterval(Long value);
  }

  @Test
  void optionsAgreeWithWhatKafkaIoExpectsOfTheFlinkRunners() {
    // KafkaIO reads Flink's Long checkpointingInterval through options.as(...): Weir's long of the
    // same name made every KafkaIO pipeline fail on WeirRunner.
    WeirPipelineOptions weir =
        PipelineOptionsFactory.fromArgs("--checkpointingInterval=250")
            .as(WeirPipelineOptions.class);
    assertThat(weir.as(KafkaIoFlinkOptions.class).getCheckpointingInterval()).isEqualTo(250L);
    assertThat(
            PipelineOptionsFactory.create()
                .as(WeirPipelineOptions.class)
                .as(KafkaIoFlinkOptions.class)
                .getCheckpointingInterval())
        .isEqualTo(-1L);
  }

  @Test
  void withCheckpointsRestartsAreUnlimitedAndBackOffByDefault() {
    WeirPipelineOptions options =
        PipelineOptionsFactory.fromArgs("--checkpointingInterval=1000")
            .create()
            .as(WeirPipelineOptions.class);
    RestartStrategy restarts =
        WeirRunner.engineConfig(options, EngineConfig.DEFAULT).restartStrategy();
    assertThat(restarts.maxRestarts()).isEqualTo(RestartStrategy.UNLIMITED);
    assertThat(restarts.allowsRestart(1_000_000)).isTrue();
    assertThat(restarts.delayBefore(1)).isEqualTo(Duration.ofSeconds(1));
    assertThat(restarts.delayBefore(3)).isEqualTo(Duration.ofSeconds(4));
    assertThat(restarts.delayBefore(100)).isEqualTo(Duration.ofMinutes(1));

    options.setRestartAttempts(7);
    options.setMaxRestartDelayMillis(1000);
    restarts = WeirRunner.engineConfig(options, EngineConfig.DEFAULT).restartStrategy();
    assertThat(restarts.allowsRestart(6)).isTrue();
    assertThat(restarts.allowsRestart(7)).isFalse();
    assertThat(restarts.delayBefore(5)).as("a fixed delay").isEqualTo(Duration.ofSeconds(1));

    WeirPipelineOptions noCheckpoints =
        PipelineOptionsFactory.create().as(WeirPipelineOptions.class);
    assertThat(
            WeirRunner.engineConfig(noCheckpoints, EngineConfig.DEFAULT)
                .restartStrategy()
                .allowsRestart(0))
        .isFalse();
  }

  /** A primitive no runner knows: it has no URN and no translation. */
  static final class MysteryPrimitive
      extends PTransform<PCollection<Integer>, PCollection<Integer>> {
    @Override
    public PCollection<Integer> expand(PCollection<Integer> input) {
      return PCollection.createPrimitiveOutputInternal(
          input.getPipeline(), input.getWindowingStrategy(), input.isBounded(), input.getCoder());
    }
  }

  @Test
  void anUnsupportedPrimitiveIsRefusedNamingTheTransform() {
    Pipeline p = pipeline();
    p.apply(Create.of(1, 2)).apply("Mystery step", new MysteryPrimitive());
    assertThatThrownBy(p::run)
        .isInstanceOf(UnsupportedTransformException.class)
        .hasMessageContaining("'Mystery step'")
        .hasMessageContaining(MysteryPrimitive.class.getName());
  }

  @Test
  void testWeirRunnerResolvesByName() {
    PipelineOptions options = PipelineOptionsFactory.fromArgs("--runner=TestWeirRunner").create();
    assertThat(options.getRunner()).isEqualTo(TestWeirRunner.class);
  }
}
