package dev.weir.translation.state;

import dev.weir.engine.operator.TimedNamespaceSerializer;
import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.DataOutputView;
import java.io.IOException;
import org.apache.beam.runners.core.StateNamespaces;
import org.apache.beam.runners.core.TimerInternals.TimerData;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.CausedByDrain;
import org.joda.time.Instant;

/**
 * Beam timers in snapshots, as engine timer namespaces: every field of TimerData, the namespace by
 * its string key, read back with the window coder. A timer kept as its {@link TimerIdentity} alone
 * (see {@link WeirTimerInternals}) is written as the TimerData it stands for at the engine timer's
 * time (the same bytes); a timer is read back as a TimerData.
 */
final class TimerDataSerializer implements TimedNamespaceSerializer {

  private final Coder<? extends BoundedWindow> windowCoder;

  TimerDataSerializer(Coder<? extends BoundedWindow> windowCoder) {
    this.windowCoder = windowCoder;
  }

  /** TimerData is a value class: nothing changes it once made. */
  @Override
  public boolean isImmutableType() {
    return true;
  }

  @Override
  public void serialize(Object engineNamespace, long engineTime, DataOutputView out) {
    if (engineNamespace instanceof TimerIdentity identity) {
      long timestamp = WeirTimerInternals.beamTime(engineTime);
      out.writeUTF(identity.timerId());
      out.writeUTF(identity.timerFamilyId());
      out.writeUTF(identity.namespace().stringKey());
      out.writeLong(timestamp);
      out.writeBoolean(true);
      out.writeLong(timestamp);
      out.writeUTF(identity.domain().name());
      out.writeBoolean(false);
      out.writeUTF(CausedByDrain.NORMAL.name());
      return;
    }
    serialize(engineNamespace, out);
  }

  @Override
  public void serialize(Object engineNamespace, DataOutputView out) {
    if (engineNamespace instanceof TimerIdentity) {
      throw new IllegalStateException(
          "a timer kept as its identity is written with its time, not alone");
    }
    TimerData timer = (TimerData) engineNamespace;
    out.writeUTF(timer.getTimerId());
    out.writeUTF(timer.getTimerFamilyId());
    out.writeUTF(timer.getNamespace().stringKey());
    out.writeLong(timer.getTimestamp().getMillis());
    Instant output = timer.getOutputTimestamp();
    out.writeBoolean(output != null);
    if (output != null) {
      out.writeLong(output.getMillis());
    }
    out.writeUTF(timer.getDomain().name());
    out.writeBoolean(timer.getDeleted());
    out.writeUTF(timer.causedByDrain().name());
  }

  @Override
  public Object deserialize(DataInputView in) throws IOException {
    String id = in.readUTF();
    String family = in.readUTF();
    String namespace = in.readUTF();
    Instant timestamp = new Instant(in.readLong());
    Instant output = in.readBoolean() ? new Instant(in.readLong()) : null;
    TimeDomain domain = TimeDomain.valueOf(in.readUTF());
    boolean deleted = in.readBoolean();
    CausedByDrain drain = CausedByDrain.valueOf(in.readUTF());
    TimerData timer =
        TimerData.of(
            id,
            family,
            StateNamespaces.fromString(namespace, windowCoder),
            timestamp,
            output,
            domain,
            drain);
    return deleted ? timer.deleted() : timer;
  }
}
