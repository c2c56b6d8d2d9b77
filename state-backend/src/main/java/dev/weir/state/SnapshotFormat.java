package dev.weir.state;

/**
 * The keyed-state snapshot format every backend writes and reads, so a savepoint taken on one
 * backend restores on another (big-endian): magic, version, max parallelism, number of states;
 * per state its name, kind and key-group blocks; a block is the key group, its byte length and
 * its entries (count, then key, namespace and state per entry, each as its serializer writes it;
 * a list is its size and elements, a map its size and key/value pairs).
 */
public final class SnapshotFormat {

  public static final int MAGIC = 0x57454952; // "WEIR"
  public static final int VERSION = 1;

  private SnapshotFormat() {}
}
