package dev.weir.translation.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.apache.beam.runners.core.StateNamespace;
import org.apache.beam.runners.core.StateNamespaces;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

class NamespaceKeysTest {

  @Test
  void everyKeyIsTheNamespacesStringKey() {
    NamespaceKeys keys = new NamespaceKeys();
    Random random = new Random(5);
    IntervalWindow reused = new IntervalWindow(new Instant(0), new Instant(10));
    for (int i = 0; i < 5_000; i++) {
      StateNamespace namespace =
          switch (random.nextInt(5)) {
            case 0 -> StateNamespaces.window(GlobalWindow.Coder.INSTANCE, GlobalWindow.INSTANCE);
            case 1 -> StateNamespaces.global();
            case 2 -> StateNamespaces.window(IntervalWindow.getCoder(), reused);
            default -> {
              long start = random.nextInt(1_000);
              yield StateNamespaces.window(
                  IntervalWindow.getCoder(),
                  new IntervalWindow(
                      new Instant(start), new Instant(start + 1 + random.nextInt(9))));
            }
          };
      assertThat(keys.of(namespace)).isEqualTo(namespace.stringKey());
      assertThat(keys.canonical(namespace)).isEqualTo(namespace);
    }
  }
}
