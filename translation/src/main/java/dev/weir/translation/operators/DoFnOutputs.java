package dev.weir.translation.operators;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.util.WindowedValueMultiReceiver;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.WindowedValue;
import org.joda.time.Instant;

/**
 * Where a DoFn's outputs go and what they may be, as runners-core checks them: only declared tags,
 * and timestamps no earlier than the input's (element or timer) minus the allowed skew and no later
 * than the end of time. Shared by the contexts of elements and timers. Task thread only.
 */
final class DoFnOutputs<OutputT> {

  final TupleTag<OutputT> mainTag;
  final Map<TupleTag<?>, Coder<?>> coders;
  private final WindowedValueMultiReceiver receiver;
  private final Set<TupleTag<?>> additionalTags;
  private final AllowedSkew allowedSkew;

  DoFnOutputs(
      WindowedValueMultiReceiver receiver,
      TupleTag<OutputT> mainTag,
      List<TupleTag<?>> additionalTags,
      Map<TupleTag<?>, Coder<?>> coders,
      AllowedSkew allowedSkew) {
    this.receiver = receiver;
    this.mainTag = mainTag;
    this.additionalTags = new HashSet<>(additionalTags);
    this.coders = coders;
    this.allowedSkew = allowedSkew;
  }

  /** Emits to the main output (no tag to check). */
  void emitMain(WindowedValue<OutputT> value) {
    receiver.output(mainTag, value);
  }

  /** Emits to {@code tag}, which must be the main or a declared additional output. */
  <T> void emit(TupleTag<T> tag, WindowedValue<T> value) {
    if (tag != mainTag && !additionalTags.contains(tag) && !mainTag.equals(tag)) {
      throw new IllegalArgumentException("Unknown output tag " + tag);
    }
    receiver.output(tag, value);
  }

  /** Fails as runners-core does if an output at {@code timestamp} is not allowed for the input. */
  void checkTimestamp(Instant inputTimestamp, Instant timestamp) {
    if (timestamp.getMillis() < allowedSkew.lowerBound(inputTimestamp.getMillis())
        || timestamp.isAfter(BoundedWindow.TIMESTAMP_MAX_VALUE)) {
      throw new IllegalArgumentException(
          String.format(
              "Cannot output with timestamp %s. Output timestamps must be no earlier than the"
                  + " timestamp of the current input or timer (%s) minus the allowed skew (%s) and"
                  + " no later than %s. See the DoFn#getAllowedTimestampSkew() Javadoc for details"
                  + " on changing the allowed skew.",
              timestamp,
              inputTimestamp,
              allowedSkew.describe(),
              BoundedWindow.TIMESTAMP_MAX_VALUE));
    }
  }
}
