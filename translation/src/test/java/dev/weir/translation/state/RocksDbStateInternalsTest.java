package dev.weir.translation.state;

/** Beam's StateInternalsTest on the RocksDB backend. */
public class RocksDbStateInternalsTest extends WeirStateInternalsContractTest {

  @Override
  StateInternalsFixture fixture() {
    return StateInternalsFixture.rocksDb();
  }
}
