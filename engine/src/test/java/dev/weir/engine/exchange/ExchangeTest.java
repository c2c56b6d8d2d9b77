package dev.weir.engine.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.engine.serialization.KryoSerializer;
import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.DataOutputView;
import dev.weir.state.serialization.Serializers;
import dev.weir.state.serialization.TypeSerializer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ExchangeTest {

  private static final Runnable NO_FLUSH = () -> {};

  /** Reads everything queued on a subpartition through a local channel with the given credit. */
  @SuppressWarnings("unchecked")
  private static <T> List<T> drain(
      Subpartition sub, RecordDeserializer<T> reader, List<Object> events) throws Exception {
    LocalInputChannel channel = new LocalInputChannel(sub, 2);
    List<T> records = new ArrayList<>();
    Object o;
    while ((o = channel.poll()) != null) {
      if (o instanceof NetworkBuffer b) {
        reader.setBuffer(b);
        Object r;
        while ((r = reader.next()) != null) {
          if (r == RecordDeserializer.WATERMARK) {
            events.add(new ExchangeEvent.Watermark(reader.watermark()));
          } else {
            records.add((T) r);
          }
        }
        channel.consumed(b);
      } else {
        events.add(o);
      }
    }
    return records;
  }

  @Test
  void recordsLargerThanABufferAndSplitHeadersSurviveTheTrip() throws Exception {
    ResultPartition partition = new ResultPartition("p", 1, 64, 1000);
    RecordWriter<String> writer =
        new RecordWriter<>(
            partition, Serializers.STRING, r -> 0, -1, new FlushDeadline(), () -> false);
    Random random = new Random(7);
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      int length = random.nextInt(i % 10 == 0 ? 400 : 40); // some span several 64-byte buffers
      StringBuilder sb = new StringBuilder();
      for (int c = 0; c < length; c++) {
        sb.append((char) ('a' + random.nextInt(26)));
      }
      sent.add(sb.toString());
      writer.emit(sb.toString());
    }
    writer.broadcastEvent(ExchangeEvent.EndOfInput.INSTANCE);

    List<Object> events = new ArrayList<>();
    List<String> received =
        drain(partition.subpartition(0), new RecordDeserializer<>(Serializers.STRING), events);

    assertThat(received).isEqualTo(sent);
    assertThat(events).containsExactly(ExchangeEvent.EndOfInput.INSTANCE);
    assertThat(partition.pool().inUse()).isZero();
  }

  @Test
  void kryoRecordsRoundTrip() throws Exception {
    ResultPartition partition = new ResultPartition("p", 1, 128, 1000);
    RecordWriter<Object> writer =
        new RecordWriter<>(
            partition,
            new KryoSerializer<>(Object.class),
            r -> 0,
            -1,
            new FlushDeadline(),
            () -> false);
    List<Object> sent = List.of(1L, "two", new int[] {3}, List.of("four", 4), 5.0);
    for (Object o : sent) {
      writer.emit(o);
    }
    writer.flushAll();
    List<Object> received =
        drain(
            partition.subpartition(0),
            new RecordDeserializer<>(new KryoSerializer<>(Object.class)),
            new ArrayList<>());
    assertThat(received).hasSize(5);
    assertThat(received.get(0)).isEqualTo(1L);
    assertThat(received.get(1)).isEqualTo("two");
    assertThat((int[]) received.get(2)).containsExactly(3);
    assertThat(received.get(3)).isEqualTo(List.of("four", 4));
  }

  @Test
  void dataLeavesOnlyAgainstCreditWhileEventsStayInLine() {
    Subpartition sub = new Subpartition();
    BufferPool pool = new BufferPool(64, 10);
    for (int i = 0; i < 3; i++) {
      NetworkBuffer b = pool.poll();
      b.setSize(1);
      sub.add(b);
    }
    sub.add(new ExchangeEvent.Watermark(5));
    assertThat(sub.poll()).as("no credit announced yet").isNull();

    sub.addCredit(2);
    NetworkBuffer first = (NetworkBuffer) sub.poll();
    NetworkBuffer second = (NetworkBuffer) sub.poll();
    assertThat(first).isNotNull();
    assertThat(second).isNotNull();
    assertThat(sub.poll())
        .as("credit used up; the watermark waits behind the third buffer")
        .isNull();
    assertThat(sub.backlog()).isEqualTo(1);

    first.recycle();
    sub.addCredit(1);
    assertThat(sub.poll()).isInstanceOf(NetworkBuffer.class);
    assertThat(sub.poll()).isEqualTo(new ExchangeEvent.Watermark(5));
    assertThat(sub.poll()).isNull();
  }

  @Test
  void bufferTimeoutZeroFlushesEveryRecordAndAPositiveOneSetsADeadline() throws Exception {
    ResultPartition eager = new ResultPartition("eager", 1, 1024, 100);
    RecordWriter<Long> flushEach =
        new RecordWriter<>(eager, Serializers.LONG, r -> 0, 0, new FlushDeadline(), () -> false);
    flushEach.emit(1L);
    flushEach.emit(2L);
    assertThat(eager.subpartition(0).backlog()).isEqualTo(2);

    ResultPartition lazy = new ResultPartition("lazy", 1, 1024, 100);
    FlushDeadline deadline = new FlushDeadline();
    RecordWriter<Long> timed =
        new RecordWriter<>(lazy, Serializers.LONG, r -> 0, 5, deadline, () -> false);
    long before = System.nanoTime();
    timed.emit(1L);
    timed.emit(2L);
    assertThat(lazy.subpartition(0).backlog()).isZero();
    assertThat(deadline.get()).isBetween(before + 5_000_000L, System.nanoTime() + 5_000_000L);
    timed.flushAll();
    assertThat(lazy.subpartition(0).backlog()).isEqualTo(1);
  }

  @Test
  void thePoolNeverHandsOutMoreThanItsCapacity() {
    BufferPool pool = new BufferPool(64, 3);
    List<NetworkBuffer> taken = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      taken.add(pool.poll());
    }
    assertThat(pool.poll()).isNull();
    assertThat(pool.isAvailable()).isFalse();
    taken.get(0).recycle();
    assertThat(pool.isAvailable()).isTrue();
    assertThat(pool.poll()).isSameAs(taken.get(0));
    assertThat(pool.maxInUse()).isEqualTo(3);
    assertThat(pool.allocated()).isEqualTo(3);
  }

  /** Raw bytes: a serializer that reads whatever the frame holds. */
  static final TypeSerializer<byte[]> RAW =
      new TypeSerializer<>() {
        @Override
        public void serialize(byte[] value, DataOutputView target) {
          target.write(value, 0, value.length);
        }

        @Override
        public byte[] deserialize(DataInputView source) throws IOException {
          byte[] b = new byte[source.remaining()];
          source.readFully(b);
          return b;
        }
      };

  @Test
  void randomRecordSizesFlushesAndInBandWatermarksKeepTheirOrder() throws Exception {
    Random random = new Random(1);
    for (int round = 0; round < 200; round++) {
      int bufferSize = 64 + random.nextInt(40);
      ResultPartition partition = new ResultPartition("p", 1, bufferSize, 100_000);
      RecordWriter<byte[]> writer =
          new RecordWriter<>(partition, RAW, r -> 0, -1, new FlushDeadline(), () -> false);
      List<String> sent = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        int length = random.nextInt(10) == 0 ? random.nextInt(300) : random.nextInt(bufferSize);
        byte[] b = new byte[length];
        random.nextBytes(b);
        sent.add("r" + Arrays.hashCode(b) + "/" + length);
        writer.emit(b);
        if (random.nextInt(7) == 0) {
          writer.flushAll();
        }
        if (random.nextInt(5) == 0) {
          writer.emitWatermark(i);
          sent.add("w" + i);
        }
      }
      writer.broadcastEvent(ExchangeEvent.EndOfInput.INSTANCE);

      LocalInputChannel channel = new LocalInputChannel(partition.subpartition(0), 3);
      RecordDeserializer<byte[]> reader = new RecordDeserializer<>(RAW);
      List<String> received = new ArrayList<>();
      Object o;
      while ((o = channel.poll()) != null) {
        if (o instanceof NetworkBuffer b) {
          reader.setBuffer(b);
          Object r;
          while ((r = reader.next()) != null) {
            if (r == RecordDeserializer.WATERMARK) {
              received.add("w" + reader.watermark());
            } else {
              byte[] bytes = (byte[]) r;
              received.add("r" + Arrays.hashCode(bytes) + "/" + bytes.length);
            }
          }
          channel.consumed(b);
        }
      }
      assertThat(reader.hasPartialRecord()).isFalse();
      assertThat(received).as("round %d", round).isEqualTo(sent);
      assertThat(partition.pool().inUse()).isZero();
    }
  }

  @Test
  void watermarksDoNotCutBuffersShort() throws Exception {
    ResultPartition partition = new ResultPartition("p", 1, 32 * 1024, 1000);
    RecordWriter<Long> writer =
        new RecordWriter<>(
            partition, Serializers.LONG, r -> 0, 5, new FlushDeadline(), () -> false);
    for (long i = 0; i < 1000; i++) {
      writer.emit(i);
      writer.emitWatermark(i);
    }
    writer.flushAll();
    // 1000 x (12-byte record + 12-byte watermark frame) = 24,000 bytes: one buffer.
    assertThat(partition.subpartition(0).backlog()).isEqualTo(1);
  }
}
