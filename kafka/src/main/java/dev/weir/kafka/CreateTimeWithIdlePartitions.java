package dev.weir.kafka;

import java.util.Optional;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.TimestampPolicy;
import org.apache.beam.sdk.io.kafka.TimestampPolicyFactory;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.kafka.common.TopicPartition;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Records stamped with their create time, as KafkaIO's {@code withCreateTime(maxDelay)}, but a
 * partition with nothing to read lets event time pass even if it never had a record.
 *
 * <p>KafkaIO's create-time policy advances an idle partition's watermark only once it read a record
 * from it, so a partition that receives nothing holds every window of the job back forever (Beam
 * #31085). This one: the watermark is the newest create time read minus {@code maxDelay}; when the
 * reader is caught up with the partition (no backlog), it is the time of that check minus {@code
 * maxDelay}, whether or not a record was ever read. Records created more than {@code maxDelay}
 * before they are read may be late. Use with {@code
 * KafkaIO.read().withTimestampPolicyFactory(CreateTimeWithIdlePartitions.of(maxDelay))}.
 */
public final class CreateTimeWithIdlePartitions<K, V> implements TimestampPolicyFactory<K, V> {
  private static final long serialVersionUID = 1L;

  private final Duration maxDelay;

  private CreateTimeWithIdlePartitions(Duration maxDelay) {
    this.maxDelay = maxDelay;
  }

  /** The policy with {@code maxDelay} (not negative): how late a record may be created. */
  public static <K, V> CreateTimeWithIdlePartitions<K, V> of(Duration maxDelay) {
    if (maxDelay == null || maxDelay.getMillis() < 0) {
      throw new IllegalArgumentException("maxDelay must not be negative, got " + maxDelay);
    }
    return new CreateTimeWithIdlePartitions<>(maxDelay);
  }

  @Override
  public TimestampPolicy<K, V> createTimestampPolicy(
      TopicPartition partition, Optional<Instant> previousWatermark) {
    return new Policy<>(maxDelay, previousWatermark.orElse(BoundedWindow.TIMESTAMP_MIN_VALUE));
  }

  /** One partition's policy; the reader's thread only. */
  private static final class Policy<K, V> extends TimestampPolicy<K, V> {
    private final Duration maxDelay;
    private Instant watermark;
    private Instant newestCreateTime = BoundedWindow.TIMESTAMP_MIN_VALUE;

    Policy(Duration maxDelay, Instant previousWatermark) {
      this.maxDelay = maxDelay;
      this.watermark = previousWatermark;
    }

    @Override
    public Instant getTimestampForRecord(PartitionContext context, KafkaRecord<K, V> record) {
      Instant created = new Instant(record.getTimestamp());
      if (created.isAfter(newestCreateTime)) {
        newestCreateTime = created;
      }
      return created;
    }

    @Override
    public Instant getWatermark(PartitionContext context) {
      Instant candidate =
          context.getMessageBacklog() == 0
              ? context.getBacklogCheckTime().minus(maxDelay)
              : newestCreateTime.minus(maxDelay);
      if (candidate.isAfter(watermark)) {
        watermark = candidate; // never backwards
      }
      return watermark;
    }
  }
}
