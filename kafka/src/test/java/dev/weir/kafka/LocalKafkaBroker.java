package dev.weir.kafka;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import kafka.testkit.KafkaClusterTestKit;
import kafka.testkit.TestKitNodes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka broker in this JVM, from Kafka's own jars: one KRaft node that is broker and controller,
 * listening on loopback ({@code localhost}, a free port), its log in temporary folders that closing
 * deletes. Internal topics (consumer offsets, transaction state) have one replica, so consumer
 * groups and transactions work on the single node. For tests, examples and benchmarks; not a
 * production broker.
 *
 * <p>Threads: {@link #start} and {@link #close} from one thread; the rest from any.
 */
public final class LocalKafkaBroker implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LocalKafkaBroker.class);

  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

  private final KafkaClusterTestKit cluster;

  private LocalKafkaBroker(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
  }

  /** Starts a broker and waits until it accepts clients. */
  public static LocalKafkaBroker start() throws Exception {
    KafkaClusterTestKit cluster =
        new KafkaClusterTestKit.Builder(
                new TestKitNodes.Builder()
                    // The test kit defaults to the newest, unstable metadata version (4.0-IV1 in
                    // 3.9.2), where transactions time out adding consumer offsets: the production
                    // one, and no unfinished features, as a real 3.9 broker runs.
                    .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
                    .setFeature("transaction.version", (short) 0)
                    .setFeature("group.version", (short) 0)
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .build())
            .setConfigProp("offsets.topic.replication.factor", "1")
            .setConfigProp("offsets.topic.num.partitions", "5")
            .setConfigProp("transaction.state.log.replication.factor", "1")
            .setConfigProp("transaction.state.log.min.isr", "1")
            .setConfigProp("transaction.state.log.num.partitions", "5")
            .setConfigProp("group.initial.rebalance.delay.ms", "0")
            .setConfigProp("auto.create.topics.enable", "false")
            .build();
    try {
      cluster.format();
      cluster.startup();
      cluster.waitForReadyBrokers();
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
    LocalKafkaBroker broker = new LocalKafkaBroker(cluster);
    LOG.info("Kafka broker listening at {}", broker.bootstrapServers());
    return broker;
  }

  /** What clients set as {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  /** An admin client of this broker; the caller closes it. */
  public Admin admin() {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    return Admin.create(p);
  }

  /** Creates {@code topic} with {@code partitions} partitions (one replica) unless it exists. */
  public void createTopic(String topic, int partitions)
      throws InterruptedException, ExecutionException {
    createTopic(topic, partitions, Map.of());
  }

  /** Creates {@code topic} with topic-level {@code configs} unless it exists. */
  public void createTopic(String topic, int partitions, Map<String, String> configs)
      throws InterruptedException, ExecutionException {
    try (Admin admin = admin()) {
      admin
          .createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(configs)))
          .all()
          .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw e;
      }
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException(
          "the broker at " + bootstrapServers() + " did not create topic " + topic + " in time", e);
    }
  }

  /** Stops the broker and deletes its folders. */
  @Override
  public void close() throws Exception {
    cluster.close();
  }

  /**
   * Runs a broker until the process is stopped: prints {@code bootstrap servers: HOST:PORT}; with
   * {@code --address-file F} also writes the address to F (for scripts); {@code --topic NAME:N}
   * (repeatable) creates topics first.
   */
  public static void main(String[] args) throws Exception {
    Path addressFile = null;
    Map<String, Integer> topics = new java.util.LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--address-file") && i + 1 < args.length) {
        addressFile = Path.of(args[++i]);
      } else if (arg.equals("--topic") && i + 1 < args.length) {
        String[] t = args[++i].split(":", 2);
        topics.put(t[0], t.length > 1 ? Integer.parseInt(t[1]) : 1);
      } else {
        System.err.println(
            "usage: LocalKafkaBroker [--address-file F] [--topic NAME[:PARTITIONS]]...");
        System.exit(2);
      }
    }
    LocalKafkaBroker broker = start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    broker.close();
                  } catch (Exception e) {
                    LOG.warn("stopping the broker: {}", e.toString());
                  }
                  stopped.countDown();
                },
                "kafka-broker-stop"));
    for (Map.Entry<String, Integer> t : topics.entrySet()) {
      broker.createTopic(t.getKey(), t.getValue());
    }
    if (addressFile != null) {
      Files.writeString(addressFile, broker.bootstrapServers() + "\n", StandardCharsets.UTF_8);
    }
    System.out.println("bootstrap servers: " + broker.bootstrapServers());
    stopped.await();
  }
}
