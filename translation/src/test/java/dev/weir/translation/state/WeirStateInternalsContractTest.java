package dev.weir.translation.state;

import java.io.IOException;
import org.apache.beam.runners.core.StateInternals;
import org.apache.beam.runners.core.StateInternalsTest;
import org.junit.After;

/**
 * Beam's own contract for StateInternals, on WeirStateInternals over the backend of a subclass's
 * fixture.
 */
public abstract class WeirStateInternalsContractTest extends StateInternalsTest {

  private final StateInternalsFixture fixture = fixture();

  abstract StateInternalsFixture fixture();

  @Override
  protected StateInternals createStateInternals() {
    return fixture.create();
  }

  @After
  public void closeBackends() throws IOException {
    fixture.close();
  }
}
