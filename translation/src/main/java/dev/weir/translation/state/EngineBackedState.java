package dev.weir.translation.state;

/**
 * A Beam state handle on one engine state in one namespace. Handles are created per access, so two
 * handles on the same state and namespace must be equal: Beam's state merging compares them.
 */
abstract class EngineBackedState {

  private final Object engineState;
  private final String stateNamespace;

  EngineBackedState(Object engineState, String namespace) {
    this.engineState = engineState;
    this.stateNamespace = namespace;
  }

  @Override
  public final boolean equals(Object o) {
    return o != null
        && o.getClass() == getClass()
        && ((EngineBackedState) o).engineState == engineState
        && ((EngineBackedState) o).stateNamespace.equals(stateNamespace);
  }

  @Override
  public final int hashCode() {
    return System.identityHashCode(engineState) * 31 + stateNamespace.hashCode();
  }
}
