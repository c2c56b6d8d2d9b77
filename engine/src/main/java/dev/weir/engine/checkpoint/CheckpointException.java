package dev.weir.engine.checkpoint;

/** A checkpoint or savepoint failed; the message says which and why. */
public class CheckpointException extends Exception {

  private static final long serialVersionUID = 1L;

  public CheckpointException(String message) {
    super(message);
  }
}
