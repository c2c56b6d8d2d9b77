package dev.weir.engine.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The receiving end of a network channel, fed as a transport would feed it. */
class RemoteInputChannelTest {

  private final List<String> toProducer = new ArrayList<>();

  private RemoteInputChannel channel(int credits) {
    RemoteInputChannel c = new RemoteInputChannel("subpartition 0 of p from w1", credits, 128);
    c.connect(
        new RemoteInputChannel.ProducerLink() {
          @Override
          public void announceCredit(int n) {
            toProducer.add("credit " + n);
          }

          @Override
          public void cancel() {
            toProducer.add("cancel");
          }
        });
    return c;
  }

  private static void arrive(RemoteInputChannel c, byte... bytes) {
    NetworkBuffer b = c.bufferForIncoming(bytes.length);
    System.arraycopy(bytes, 0, b.memory(), 0, bytes.length);
    c.onBuffer(b, bytes.length);
  }

  @Test
  void aFailureIsThrownOnlyOnceWhatArrivedBeforeItWasRead() {
    RemoteInputChannel c = channel(2);
    arrive(c, (byte) 1, (byte) 2);
    c.onFailure("lost the connection to the worker at h:1");

    BufferOrEvent first = c.poll();
    assertThat(first).isInstanceOf(NetworkBuffer.class);
    assertThat(((NetworkBuffer) first).size()).isEqualTo(2);
    c.consumed((NetworkBuffer) first);
    assertThat(toProducer).containsExactly("credit 1");
    assertThatThrownBy(c::poll)
        .isInstanceOf(RemoteInputChannel.RemoteChannelException.class)
        .hasMessage("subpartition 0 of p from w1: lost the connection to the worker at h:1");
  }

  @Test
  void aConnectionLostAfterTheEndOfInputIsNoFailure() {
    RemoteInputChannel c = channel(1);
    c.onEvent(ExchangeEvent.EndOfInput.INSTANCE);
    c.onFailure("lost the connection");

    assertThat(c.poll()).isSameAs(ExchangeEvent.EndOfInput.INSTANCE);
    assertThat(c.poll()).isNull();
  }

  @Test
  void aProducerSendingWithoutCreditOrTooMuchIsRefused() {
    RemoteInputChannel c = channel(1);
    arrive(c, (byte) 1);
    assertThatThrownBy(() -> c.bufferForIncoming(1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("without credit");
    assertThatThrownBy(() -> c.bufferForIncoming(129))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("129 bytes");
  }

  @Test
  void releasingCancelsTheProducerOnceAndDropsWhatArrivesLater() {
    RemoteInputChannel c = channel(2);
    arrive(c, (byte) 1);
    c.release();
    c.release();

    assertThat(toProducer).containsExactly("cancel");
    assertThat(c.bufferForIncoming(1)).isNull();
    c.onEvent(ExchangeEvent.EndOfInput.INSTANCE);
    assertThat(c.poll()).isNull();
    assertThat(c.isReleased()).isTrue();
  }

  @Test
  void theDataListenerHearsOfTheFirstArrivalAfterTheQueueRanDry() {
    RemoteInputChannel c = channel(2);
    int[] heard = new int[1];
    c.setDataListener(() -> heard[0]++);
    arrive(c, (byte) 1);
    arrive(c, (byte) 2);
    assertThat(heard[0]).isEqualTo(1);
    c.consumed((NetworkBuffer) c.poll());
    c.consumed((NetworkBuffer) c.poll());
    assertThat(c.poll()).isNull();
    c.onEvent(new ExchangeEvent.Watermark(3));
    assertThat(heard[0]).isEqualTo(2);
  }
}
