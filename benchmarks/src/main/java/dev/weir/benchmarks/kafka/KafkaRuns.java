package dev.weir.benchmarks.kafka;

import dev.weir.benchmarks.kafka.PassThroughJob.Spec;
import dev.weir.kafka.LocalKafkaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Kafka benchmark's runs against one broker in this JVM (KRaft, from Kafka's own jars).
 *
 * <p>Throughput: one input topic preloaded with {@code records} records (1,000 keys), read from the
 * beginning by each job into a topic of its own; rate = records / time from the first output record
 * to the last, as a {@code read_committed} consumer sees them (a job's start-up is left out; with
 * exactly-once, output comes a checkpoint at a time).
 *
 * <p>Latency: each job gets empty topics; once a probe record came through, records are sent at a
 * fixed rate, each carrying its send time, for a warm-up of 3 s and then {@code latencySeconds},
 * and read for another second and two checkpoint intervals; the latency of a record sent after the
 * warm-up is the time a {@code read_committed} consumer polls it minus its send time (HdrHistogram,
 * microseconds).
 */
public final class KafkaRuns {

  /** The benchmark's options (see KafkaBenchmarks). */
  public record Settings(
      long records,
      long directRecords,
      int rate,
      int latencySeconds,
      int parallelism,
      int partitions,
      long checkpointMillis,
      int rounds,
      List<String> systems) {}

  private static final Duration WARM_UP = Duration.ofSeconds(3);
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(5);

  private final Settings settings;
  private final List<String> rows = new ArrayList<>();
  private LocalKafkaBroker broker;
  private int runs;

  public KafkaRuns(Settings settings) {
    this.settings = settings;
  }

  public void run() throws Exception {
    try (LocalKafkaBroker started = LocalKafkaBroker.start()) {
      broker = started;
      String in = "throughput-in";
      broker.createTopic(in, settings.partitions());
      long preloaded = Math.max(settings.records(), settings.directRecords());
      preload(in, preloaded);
      System.out.printf(Locale.ROOT, "preloaded %,d records into %s%n", preloaded, in);
      for (int round = 1; round <= settings.rounds(); round++) {
        for (boolean exactlyOnce : new boolean[] {false, true}) {
          for (String name : settings.systems()) {
            PassThroughJob.System system = PassThroughJob.System.valueOf(name);
            latency(system, exactlyOnce, throughput(system, exactlyOnce, in));
          }
        }
      }
    }
    System.out.println();
    System.out.println(
        "| system | exactly-once | throughput rec/s | latency p50 ms | p99 ms | max ms |"
            + " measured/sent |");
    System.out.println("|---|---|---|---|---|---|---|");
    rows.forEach(System.out::println);
  }

  private Spec spec(String in, String out, boolean exactlyOnce) {
    return new Spec(
        broker.bootstrapServers(),
        in,
        out,
        "run-" + runs,
        settings.parallelism(),
        exactlyOnce,
        settings.checkpointMillis(),
        settings.partitions());
  }

  /** Throughput of one system, as the table shows it. */
  private String throughput(PassThroughJob.System system, boolean exactlyOnce, String in)
      throws Exception {
    runs++;
    String out = "throughput-out-" + runs;
    broker.createTopic(out, settings.partitions());
    long n = system == PassThroughJob.System.DIRECT ? settings.directRecords() : settings.records();
    try (PassThroughJob job = PassThroughJob.start(system, spec(in, out, exactlyOnce));
        TopicMeter meter = new TopicMeter(broker.bootstrapServers(), out)) {
      long got = meter.awaitCount(n, RUN_TIMEOUT);
      double rate = meter.recordsPerSecond();
      System.out.printf(
          Locale.ROOT,
          "%s exactly-once=%s: %,d of %,d records, %,.0f records/s%n",
          system,
          exactlyOnce,
          got,
          n,
          rate);
      return got < n
          ? String.format(Locale.ROOT, "%,.0f (only %,d)", rate, got)
          : String.format(Locale.ROOT, "%,.0f", rate);
    }
  }

  private void latency(PassThroughJob.System system, boolean exactlyOnce, String throughput)
      throws Exception {
    runs++;
    String in = "latency-in-" + runs;
    String out = "latency-out-" + runs;
    broker.createTopic(in, settings.partitions());
    broker.createTopic(out, settings.partitions());
    Histogram micros = new Histogram(Duration.ofMinutes(5).toNanos() / 1_000, 3);
    long measured;
    AtomicLong sent = new AtomicLong();
    long sentFrom;
    try (PassThroughJob job = PassThroughJob.start(system, spec(in, out, exactlyOnce));
        TopicMeter meter = new TopicMeter(broker.bootstrapServers(), out);
        KafkaProducer<String, Long> producer = producer()) {
      producer.send(new ProducerRecord<>(in, "probe", TopicMeter.nowMicros()));
      producer.flush();
      if (meter.awaitCount(1, Duration.ofMinutes(2)) < 1) {
        throw new IllegalStateException(system + ": the probe record did not come through");
      }
      AtomicBoolean stop = new AtomicBoolean();
      Thread sending = new Thread(() -> sendAtRate(producer, in, stop, sent), "fixed-rate-input");
      sending.start();
      sentFrom = TopicMeter.nowMicros() + WARM_UP.toNanos() / 1_000;
      try {
        measured =
            meter.measureLatency(micros, sentFrom, WARM_UP.plusSeconds(settings.latencySeconds()));
      } finally {
        stop.set(true);
        sending.join();
      }
      // What was sent last may wait for a checkpoint (exactly-once): read a little longer.
      measured +=
          meter.measureLatency(
              micros, sentFrom, Duration.ofMillis(1_000 + 2 * settings.checkpointMillis()));
    }
    long sentMeasured = (long) settings.rate() * settings.latencySeconds();
    String row =
        String.format(
            Locale.ROOT,
            "| %s | %s | %s | %.1f | %.1f | %.1f | %,d / ~%,d%s |",
            system,
            exactlyOnce ? "on" : "off",
            throughput,
            micros.getValueAtPercentile(50) / 1e3,
            micros.getValueAtPercentile(99) / 1e3,
            micros.getMaxValue() / 1e3,
            measured,
            sentMeasured,
            measured < sentMeasured * 9 / 10 ? " (fell behind)" : "");
    System.out.println(row);
    rows.add(row);
  }

  /** {@code rate} records a second in batches of a millisecond, each valued its send time. */
  private void sendAtRate(
      KafkaProducer<String, Long> producer, String topic, AtomicBoolean stop, AtomicLong sent) {
    long start = System.nanoTime();
    long i = 0;
    while (!stop.get()) {
      long due = (System.nanoTime() - start) * settings.rate() / 1_000_000_000L;
      if (i >= due) {
        LockSupport.parkNanos(200_000);
        continue;
      }
      long now = TopicMeter.nowMicros();
      for (; i < due; i++) {
        producer.send(new ProducerRecord<>(topic, "k" + (i % 1_000), now));
      }
      sent.set(i);
    }
    producer.flush();
  }

  private void preload(String topic, long n) {
    try (KafkaProducer<String, Long> producer = producer()) {
      for (long i = 0; i < n; i++) {
        producer.send(new ProducerRecord<>(topic, "k" + (i % 1_000), i));
      }
      producer.flush();
    }
  }

  private KafkaProducer<String, Long> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ProducerConfig.LINGER_MS_CONFIG, 1);
    return new KafkaProducer<>(p, new StringSerializer(), new LongSerializer());
  }
}
