package dev.weir.engine.lifecycle;

import java.util.concurrent.ThreadFactory;

/**
 * Threads of the runtime's own pools: daemons (they never keep a JVM alive whose work ended) with a
 * name that says whose they are in a thread dump.
 */
public final class DaemonThreads {

  private DaemonThreads() {}

  /** Makes daemon threads all named {@code name}. */
  public static ThreadFactory named(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
