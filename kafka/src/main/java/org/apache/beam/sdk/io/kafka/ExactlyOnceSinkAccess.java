package org.apache.beam.sdk.io.kafka;

import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Access to KafkaIO's exactly-once sink, which is package-private: {@code
 * dev.weir.kafka.WeirKafkaIO} applies it directly, because {@code KafkaIO.WriteRecords.validate}
 * accepts only the runners it names (Direct, Dataflow, Spark, Flink) and refuses any other before
 * the runner sees the pipeline. Nothing else of KafkaIO is touched. Lives in KafkaIO's package (the
 * class path's unnamed module; both jars must come from the same class loader).
 */
public final class ExactlyOnceSinkAccess {

  private ExactlyOnceSinkAccess() {}

  /** KafkaIO's exactly-once sink for {@code spec}, which must have {@code withEOS}. */
  public static <K, V> PTransform<PCollection<ProducerRecord<K, V>>, PCollection<Void>> sink(
      KafkaIO.WriteRecords<K, V> spec) {
    KafkaExactlyOnceSink.ensureEOSSupport();
    return new KafkaExactlyOnceSink<>(spec);
  }
}
