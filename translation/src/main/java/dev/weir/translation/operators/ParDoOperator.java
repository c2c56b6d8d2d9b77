package dev.weir.translation.operators;

import java.util.Map;
import java.util.function.Supplier;
import org.apache.beam.runners.core.DoFnRunner;
import org.apache.beam.runners.core.DoFnRunners;
import org.apache.beam.runners.core.SideInputReader;
import org.apache.beam.runners.core.StateNamespaces;
import org.apache.beam.runners.core.StatefulDoFnRunner;
import org.apache.beam.runners.core.StepContext;
import org.apache.beam.runners.core.TimerInternals.TimerData;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.DoFnSchemaInformation;
import org.apache.beam.sdk.transforms.reflect.DoFnInvoker;
import org.apache.beam.sdk.transforms.reflect.DoFnInvokers;
import org.apache.beam.sdk.transforms.reflect.DoFnSignature;
import org.apache.beam.sdk.transforms.reflect.DoFnSignatures;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.util.WindowedValueMultiReceiver;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.WindowedValue;
import org.apache.beam.sdk.values.WindowedValues;

/**
 * A Beam ParDo: stateless, or stateful (keyed: state, timers, OnWindowExpiration, time-sorted
 * input).
 */
public final class ParDoOperator<InputT, OutputT> extends AbstractDoFnOperator<InputT, OutputT> {

  private final DoFn<InputT, OutputT> doFn;
  private final Coder<InputT> inputCoder;
  private final DoFnSchemaInformation schemaInformation;
  private final Map<String, PCollectionView<?>> sideInputMapping;
  private final boolean stateful;

  private DoFnInvoker<InputT, OutputT> invoker;
  private DoFnRunner<InputT, OutputT> typedRunner;
  private final Supplier<Object> currentKey = () -> stateInternals.getKey();

  public ParDoOperator(
      DoFnStep<OutputT> step,
      DoFn<InputT, OutputT> doFn,
      Coder<InputT> inputCoder,
      DoFnSchemaInformation schemaInformation) {
    super(step);
    this.doFn = doFn;
    this.inputCoder = inputCoder;
    this.schemaInformation = schemaInformation;
    this.sideInputMapping = step.sideInputMapping();
    this.stateful = step.keyCoder() != null;
  }

  @Override
  protected void setUp() throws Exception {
    invoker = DoFnInvokers.tryInvokeSetupFor(doFn, options.get());
  }

  @Override
  protected void tearDown() {
    if (invoker != null) {
      invoker.invokeTeardown();
    }
  }

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  protected DoFnRunner<?, OutputT> createRunner(
      StepContext stepContext,
      SideInputReader sideInputReader,
      WindowedValueMultiReceiver outputManager) {
    DoFnRunner<InputT, OutputT> simple =
        DoFnRunners.simpleRunner(
            options.get(),
            doFn,
            sideInputReader,
            outputManager,
            mainOutputTag,
            additionalOutputTags,
            stepContext,
            inputCoder,
            outputCoders,
            windowingStrategy,
            schemaInformation,
            sideInputMapping);
    DoFnRunner<InputT, OutputT> r = simple;
    DoFnSignature signature = DoFnSignatures.getSignature(doFn.getClass());
    boolean reusable =
        ReusedContextDoFnRunner.supports(signature, !sideInputReader.isEmpty(), stateful);
    ElementStateAccess<InputT> keyed = null;
    if (stateful) {
      Coder windowCoder = windowingStrategy.getWindowFn().windowCoder();
      StatefulDoFnRunner.CleanupTimer<InputT> cleanup =
          new StatefulDoFnRunner.TimeInternalsCleanupTimer<>(timerInternals, windowingStrategy);
      if (signature.onWindowExpiration() == null) {
        cleanup = new GlobalWindowKeepsState<>(cleanup);
      }
      r =
          DoFnRunners.defaultStatefulDoFnRunner(
              doFn,
              inputCoder,
              simple,
              stepContext,
              windowingStrategy,
              cleanup,
              new StatefulDoFnRunner.StateInternalsStateCleaner(doFn, stateInternals, windowCoder),
              signature.processElement().requiresTimeSortedInput());
      if (reusable) {
        keyed =
            new ElementStateAccess<>(
                doFn,
                signature,
                stateInternals,
                timerInternals,
                timerInternals::inputWatermarkMillis,
                windowingStrategy,
                cleanup);
      }
    }
    if (reusable) {
      r =
          new ReusedContextDoFnRunner<>(
              r,
              doFn,
              signature,
              options.get(),
              outputManager,
              mainOutputTag,
              additionalOutputTags,
              outputCoders,
              stepContext,
              keyed);
    }
    typedRunner = r;
    return r;
  }

  @Override
  protected void processReady(WindowedValue<InputT> element) {
    typedRunner.processElement(element);
  }

  @Override
  protected void fireTimer(TimerData timer) {
    BoundedWindow window = ((StateNamespaces.WindowNamespace<?>) timer.getNamespace()).getWindow();
    if (typedRunner instanceof ReusedContextDoFnRunner<InputT, OutputT> reused) {
      // The key is decoded only if the @OnTimer method asks for it.
      reused.fireTimer(
          timer.getTimerId(),
          timer.getTimerFamilyId(),
          window,
          timer.getTimestamp(),
          timer.getOutputTimestamp(),
          timer.getDomain(),
          timer.causedByDrain(),
          currentKey);
      return;
    }
    typedRunner.onTimer(
        timer.getTimerId(),
        timer.getTimerFamilyId(),
        stateInternals.getKey(),
        window,
        timer.getTimestamp(),
        timer.getOutputTimestamp(),
        timer.getDomain(),
        timer.causedByDrain());
  }

  @Override
  protected Coder<WindowedValue<InputT>> inputValueCoder() {
    return WindowedValues.getFullCoder(inputCoder, windowingStrategy.getWindowFn().windowCoder());
  }
}
