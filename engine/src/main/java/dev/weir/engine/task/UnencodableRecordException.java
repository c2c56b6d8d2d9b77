package dev.weir.engine.task;

/**
 * A record its edge's serializer cannot encode: the serializer (a Beam coder, say) threw. The cause
 * is the serializer's own exception.
 */
public final class UnencodableRecordException extends RuntimeException {

  UnencodableRecordException(String edge, Throwable cause) {
    super(
        "a record on edge '"
            + edge
            + "' cannot be encoded by the edge's serializer: "
            + cause
            + " (every record must be encodable by the serializer, or coder, of what it is an"
            + " element of)",
        cause);
  }
}
