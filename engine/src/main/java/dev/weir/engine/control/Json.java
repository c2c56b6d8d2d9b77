package dev.weir.engine.control;

/** Flat JSON objects for the control endpoint's answers (strings and numbers only). */
final class Json {

  private Json() {}

  /** {@code keysAndValues}: key, value, key, value, ...; values are strings or numbers. */
  static String object(Object... keysAndValues) {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < keysAndValues.length; i += 2) {
      if (i > 0) {
        sb.append(',');
      }
      string(sb, String.valueOf(keysAndValues[i]));
      sb.append(':');
      Object v = keysAndValues[i + 1];
      if (v == null) {
        sb.append("null");
      } else if (v instanceof Number) {
        sb.append(v);
      } else {
        string(sb, String.valueOf(v));
      }
    }
    return sb.append('}').toString();
  }

  private static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
