package dev.weir.kafka;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link LocalKafkaBroker} for the tests of one class: started before them, stopped after.
 * {@code @RegisterExtension static final KafkaBroker BROKER = new KafkaBroker();}
 */
final class KafkaBroker implements BeforeAllCallback, AfterAllCallback {

  private LocalKafkaBroker broker;
  private KafkaTopics topics;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    broker = LocalKafkaBroker.start();
    topics = new KafkaTopics(broker.bootstrapServers());
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (broker != null) {
      broker.close();
    }
  }

  LocalKafkaBroker broker() {
    return broker;
  }

  /** Plain clients of the broker. */
  KafkaTopics topics() {
    return topics;
  }
}
