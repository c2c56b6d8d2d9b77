package dev.weir.engine.graph;

/** A job graph that cannot run; the message names the vertex or edge at fault and the fix. */
public class InvalidJobGraphException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InvalidJobGraphException(String message) {
    super(message);
  }
}
