package dev.weir.translation.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.engine.testing.OperatorTestHarness;
import dev.weir.translation.metrics.JobMetrics;
import java.util.List;
import java.util.Map;
import org.apache.beam.runners.core.construction.SerializablePipelineOptions;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.DoFnSchemaInformation;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;
import org.apache.beam.sdk.values.WindowingStrategy;
import org.junit.jupiter.api.Test;

/**
 * The operator state of a DoFn operator through a snapshot and a restore: elements held for
 * {@code @RequiresStableInput} are part of the checkpoint and reach the DoFn exactly once, whether
 * the checkpoint completes before a failure or the job restarts from it.
 */
class DoFnOperatorStateTest {

  static final class TimesTen extends DoFn<Long, Long> {
    @RequiresStableInput
    @ProcessElement
    public void process(@Element Long x, OutputReceiver<Long> out) {
      out.output(x * 10);
    }
  }

  private static ParDoOperator<Long, Long> stableParDo() {
    TupleTag<Long> main = new TupleTag<>("main");
    DoFnStep<Long> step =
        new DoFnStep<>(
            "times-ten",
            new SerializablePipelineOptions(PipelineOptionsFactory.create()),
            main,
            List.of(),
            Map.of(main, 0),
            Map.of(main, VarLongCoder.of()),
            WindowingStrategy.globalDefault(),
            Map.of(),
            Map.of(),
            null,
            new JobMetrics(),
            1000,
            1000);
    ParDoOperator<Long, Long> op =
        new ParDoOperator<>(
            step, new TimesTen(), VarLongCoder.of(), DoFnSchemaInformation.create());
    op.withStableInput(true).withCheckpointing(true);
    return op;
  }

  private static WindowedValue<Long> value(long x) {
    return WindowedValues.valueInGlobalWindow(x);
  }

  private static List<Object> values(List<Object> output) {
    return output.stream().map(o -> (Object) ((WindowedValue<?>) o).getValue()).toList();
  }

  @Test
  void heldElementsWaitForTheirCheckpointAndSurviveARestore() throws Exception {
    OperatorTestHarness.Snapshot snapshot;
    try (OperatorTestHarness<WindowedValue<Long>, Object> h =
        OperatorTestHarness.of(stableParDo()).open()) {
      h.processElement(value(1));
      h.processElement(value(2));
      assertThat(h.output()).as("held until a checkpoint covers them").isEmpty();

      snapshot = h.snapshot(1);
      assertThat(snapshot.operatorState()).as("the held elements are operator state").isNotNull();
      h.processElement(value(3)); // after the barrier: belongs to the next checkpoint
      assertThat(h.output()).isEmpty();

      h.notifyCheckpointComplete(1);
      assertThat(values(h.output())).containsExactly(10L, 20L);
    }

    // The job failed after checkpoint 1 and restarts from it: what it held is processed, once;
    // element 3 was not in the checkpoint (the source replays it).
    try (OperatorTestHarness<WindowedValue<Long>, Object> restored =
        OperatorTestHarness.restored(stableParDo(), null, 1, snapshot).open()) {
      assertThat(values(restored.output())).containsExactly(10L, 20L);
      OperatorTestHarness.Snapshot next = restored.snapshot(2);
      restored.notifyCheckpointComplete(2);
      assertThat(values(restored.output())).as("nothing twice").containsExactly(10L, 20L);
      assertThat(next.operatorState()).as("nothing is held any more").isNull();
    }
  }
}
