package dev.weir.engine.operator;

import dev.weir.state.serialization.DataOutputView;
import dev.weir.state.serialization.TypeSerializer;
import java.io.IOException;

/**
 * A serializer of timer namespaces that is given each timer's time when writing: an operator may
 * then use one shared namespace object for many timers and keep per-timer facts (such as a time
 * derived from the timer's) out of its namespaces. Snapshots of timers call {@link
 * #serialize(Object, long, DataOutputView)}; reading is the plain {@link #deserialize}.
 */
public interface TimedNamespaceSerializer extends TypeSerializer<Object> {

  /** Writes the namespace of a timer due at {@code timestamp} (the engine timer's time). */
  void serialize(Object namespace, long timestamp, DataOutputView out) throws IOException;
}
