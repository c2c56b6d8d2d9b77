package dev.weir.translation.context;

/** The pipeline holds a transform Weir cannot run; the message names it and its URN. */
public class UnsupportedTransformException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UnsupportedTransformException(String message) {
    super(message);
  }
}
