package dev.weir.translation.io;

import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.display.HasDisplayData;

/**
 * What a failure of a Beam source's own code (splitting, opening a reader, reading) says about
 * where it happened: the step, the source as its display data shows it (for KafkaIO the topics and
 * the bootstrap servers), and for a reader the position it read from (its checkpoint mark: for
 * KafkaIO every partition with its next offset). The source's exception stays the cause.
 */
public final class SourceFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private static final int MAX_ITEM_CHARS = 200;

  private SourceFailure(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * {@code cause}, thrown by {@code source} while doing {@code what} in step {@code stepName};
   * {@code position}, if not null, says where the reader stood.
   */
  public static SourceFailure of(
      String stepName, String what, HasDisplayData source, Object position, Throwable cause) {
    StringBuilder message = new StringBuilder();
    message.append("step '").append(stepName).append("': ").append(what).append(" failed");
    String described = describe(source);
    if (!described.isEmpty()) {
      message.append(" (").append(described).append(')');
    }
    if (position != null) {
      message.append(" at ").append(truncate(String.valueOf(position), 4 * MAX_ITEM_CHARS));
    }
    message.append(": ").append(cause);
    return new SourceFailure(message.toString(), cause);
  }

  /** Its class and display data as {@code key=value} pairs; only the class if it has none. */
  public static String describe(HasDisplayData source) {
    List<String> items = new ArrayList<>();
    items.add(source.getClass().getSimpleName());
    try {
      for (DisplayData.Item item : DisplayData.from(source).items()) {
        Object value = item.getValue();
        if (value != null) {
          items.add(item.getKey() + "=" + truncate(String.valueOf(value), MAX_ITEM_CHARS));
        }
      }
    } catch (RuntimeException notDescribable) {
      // The source's display data failed too: its class is all there is to say.
    }
    return String.join(", ", items);
  }

  private static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "...";
  }
}
