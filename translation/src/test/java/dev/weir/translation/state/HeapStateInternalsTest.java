package dev.weir.translation.state;

/** Beam's StateInternalsTest on the heap backend. */
public class HeapStateInternalsTest extends WeirStateInternalsContractTest {

  @Override
  StateInternalsFixture fixture() {
    return StateInternalsFixture.heap();
  }
}
