package dev.weir.kafka;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the exactly-once sink commits to Kafka with each transaction of a shard, as the metadata of
 * the sink group's offset for partition {@code shard} of the topic: which writer wrote it and the
 * number of the last record it holds. Read back when a shard's producer opens, it tells which
 * records a restarted job already wrote. Text, versioned: {@code weir-eos/1 seq=N writer=ID}.
 *
 * @param lastRecord the number of the last record written, {@code -1} for none
 * @param writer the writer's id: fixed when the pipeline was built, kept in the writer's state
 */
record ShardProgress(long lastRecord, String writer) {

  private static final String VERSION = "weir-eos/1";
  private static final Pattern FORMAT =
      Pattern.compile("weir-eos/1 seq=(-1|\\d{1,19}) writer=([A-Za-z0-9._-]{1,100})");

  ShardProgress {
    if (!writer.matches("[A-Za-z0-9._-]{1,100}")) {
      throw new IllegalArgumentException("writer ids are 1 to 100 of [A-Za-z0-9._-]: " + writer);
    }
  }

  String encode() {
    return VERSION + " seq=" + lastRecord + " writer=" + writer;
  }

  /**
   * Parses what {@link #encode} wrote.
   *
   * @throws IllegalStateException naming the text and the sink group if it is anything else (the
   *     group's offsets were committed by something other than this sink)
   */
  static ShardProgress decode(String text, String sinkGroup) {
    Matcher m = FORMAT.matcher(text);
    if (!m.matches()) {
      throw new IllegalStateException(
          "the offsets of sink group '"
              + sinkGroup
              + "' carry metadata this sink did not write: '"
              + text
              + "'. Another consumer group or sink (KafkaIO's own withEOS?) uses that id; give"
              + " WeirKafkaIO.exactlyOnce a sinkGroupId of its own");
    }
    return new ShardProgress(Long.parseLong(m.group(1)), m.group(2));
  }
}
