package dev.weir.translation.operators;

import dev.weir.engine.lifecycle.DaemonThreads;
import dev.weir.engine.operator.TimerService;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.beam.runners.core.DoFnRunner;
import org.apache.beam.runners.core.DoFnRunners;
import org.apache.beam.runners.core.KeyedWorkItem;
import org.apache.beam.runners.core.KeyedWorkItems;
import org.apache.beam.runners.core.OutputAndTimeBoundedSplittableProcessElementInvoker;
import org.apache.beam.runners.core.SideInputReader;
import org.apache.beam.runners.core.SplittableParDoViaKeyedWorkItems.ProcessFn;
import org.apache.beam.runners.core.StepContext;
import org.apache.beam.runners.core.TimerInternals.TimerData;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.DoFnSchemaInformation;
import org.apache.beam.sdk.transforms.reflect.DoFnInvokers;
import org.apache.beam.sdk.util.WindowedValueMultiReceiver;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;
import org.joda.time.Duration;

/**
 * A splittable DoFn, bounded or unbounded, on runners-core's ProcessFn: keyed by the random key
 * Beam gives each (element, restriction), processing each for at most 10,000 outputs or 10 s before
 * checkpointing the rest of the restriction into keyed state and resuming from a processing-time
 * timer. At the end of the input every pending resumption runs to completion.
 */
public final class SplittableProcessOperator<InputT, OutputT, RestrictionT>
    extends AbstractDoFnOperator<KV<byte[], KV<InputT, RestrictionT>>, OutputT> {

  private final ProcessFn<InputT, OutputT, RestrictionT, ?, ?> processFn;
  private final Map<String, PCollectionView<?>> sideInputMapping;

  private ScheduledExecutorService checkpointTimer;
  private DoFnRunner<KeyedWorkItem<byte[], KV<InputT, RestrictionT>>, OutputT> typedRunner;

  public SplittableProcessOperator(
      DoFnStep<OutputT> step, ProcessFn<InputT, OutputT, RestrictionT, ?, ?> processFn) {
    super(step);
    this.processFn = processFn;
    this.sideInputMapping = step.sideInputMapping();
  }

  @Override
  protected void setUp() {
    DoFnInvokers.tryInvokeSetupFor(processFn, options.get());
  }

  @Override
  protected void tearDown() {
    DoFnInvokers.invokerFor(processFn).invokeTeardown();
    if (checkpointTimer != null) {
      checkpointTimer.shutdownNow();
    }
  }

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  protected DoFnRunner<?, OutputT> createRunner(
      StepContext stepContext,
      SideInputReader sideInputReader,
      WindowedValueMultiReceiver outputManager) {
    String threadName = Thread.currentThread().getName() + " checkpoint timer";
    checkpointTimer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named(threadName));
    processFn.setStateInternalsFactory(key -> stateInternals);
    processFn.setTimerInternalsFactory(key -> timerInternals);
    processFn.setSideInputReader(sideInputReader);
    processFn.setProcessElementInvoker(
        new OutputAndTimeBoundedSplittableProcessElementInvoker<>(
            (DoFn) processFn.getFn(),
            options.get(),
            outputManager,
            mainOutputTag,
            sideInputReader,
            checkpointTimer,
            10_000,
            Duration.standardSeconds(10),
            () -> bundleFinalizer));
    typedRunner =
        DoFnRunners.simpleRunner(
            options.get(),
            (DoFn) processFn,
            sideInputReader,
            outputManager,
            mainOutputTag,
            additionalOutputTags,
            stepContext,
            null,
            outputCoders,
            windowingStrategy,
            DoFnSchemaInformation.create(),
            sideInputMapping);
    return typedRunner;
  }

  @Override
  protected void processReady(WindowedValue<KV<byte[], KV<InputT, RestrictionT>>> element) {
    KV<byte[], KV<InputT, RestrictionT>> kv = element.getValue();
    KeyedWorkItem<byte[], KV<InputT, RestrictionT>> item =
        KeyedWorkItems.elementsWorkItem(kv.getKey(), List.of(element.withValue(kv.getValue())));
    typedRunner.processElement(WindowedValues.valueInGlobalWindow(item));
  }

  @Override
  protected void fireTimer(TimerData timer) {
    byte[] key = (byte[]) stateInternals.getKey();
    typedRunner.processElement(
        WindowedValues.valueInGlobalWindow(KeyedWorkItems.timersWorkItem(key, List.of(timer))));
  }

  @Override
  public void finish() throws Exception {
    // Restrictions that checkpointed wait for a processing-time timer: resume each when its resume
    // delay has passed (PeriodicSequence emits one element per interval), letting the task take
    // checkpoints (and run bundle finalizers) meanwhile. A manual clock (TestStream) never gets
    // there once the input ended: there they resume at once.
    TimerService timers = context.timerService();
    long next;
    while ((next = timers.nextProcessingTimeTimer()) != Long.MAX_VALUE) {
      boolean reached = context.awaitProcessingTime(next);
      if (!reached || timers.nextProcessingTimeTimer() <= context.currentProcessingTime()) {
        timers.fireNextProcessingTimeTimer();
      }
      context.yieldToTask();
    }
    super.finish();
  }
}
