package dev.weir.cluster.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.cluster.protocol.v1.Failure;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** A task's exception crosses to the client as the same exception, never Java-serialized. */
class FailureCodecTest {

  private final ClassLoader loader = getClass().getClassLoader();

  @Test
  void anExceptionAndItsCausesComeBackWithClassesMessagesAndStackTraces() {
    IOException cause = new IOException("disk gone");
    AssertionError failure = new AssertionError("expected 3 but was 4", cause);

    Throwable back = FailureCodec.decode(FailureCodec.encode(failure), loader);

    assertThat(back).isExactlyInstanceOf(AssertionError.class).hasMessage("expected 3 but was 4");
    assertThat(back.getStackTrace()).isEqualTo(failure.getStackTrace());
    assertThat(back.getCause()).isExactlyInstanceOf(IOException.class).hasMessage("disk gone");
    assertThat(back.getCause().getStackTrace()).isEqualTo(cause.getStackTrace());
  }

  @Test
  void aClassTheClientLacksOrThatIsNoExceptionBecomesARemoteExceptionNamingIt() {
    Failure unknown =
        FailureCodec.encode(new IllegalStateException("boom")).toBuilder()
            .setClassName("com.example.NotHere")
            .build();
    Throwable back = FailureCodec.decode(unknown, loader);
    assertThat(back).isInstanceOf(FailureCodec.RemoteException.class);
    assertThat(((FailureCodec.RemoteException) back).className()).isEqualTo("com.example.NotHere");
    assertThat(back).hasMessage("com.example.NotHere: boom");

    Failure notAnException = unknown.toBuilder().setClassName("java.lang.String").build();
    assertThat(FailureCodec.decode(notAnException, loader))
        .isInstanceOf(FailureCodec.RemoteException.class)
        .hasMessageContaining("java.lang.String");
  }

  @Test
  void causesAndFramesAreBounded() {
    Throwable deep = new RuntimeException("level 0");
    for (int i = 1; i < 100; i++) {
      deep = new RuntimeException("level " + i, deep);
    }
    Failure encoded = FailureCodec.encode(deep);
    int depth = 0;
    for (Failure f = encoded; f != null; f = f.hasCause() ? f.getCause() : null) {
      depth++;
      assertThat(f.getFramesCount()).isLessThanOrEqualTo(FailureCodec.MAX_FRAMES);
    }
    assertThat(depth).isEqualTo(FailureCodec.MAX_DEPTH);
  }
}
