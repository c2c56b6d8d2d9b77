package dev.weir.benchmarks.weir;

import dev.weir.state.serialization.DataInputView;
import dev.weir.state.serialization.DataOutputView;
import dev.weir.state.serialization.TypeSerializer;
import java.io.IOException;

/** A (key, value) pair of longs, the record of W2. */
public record KeyedLong(long key, long value) {

  /** Two longs, 16 bytes: what a type-specific serializer (like Flink's for Tuple2) writes. */
  public static final TypeSerializer<KeyedLong> SERIALIZER =
      new TypeSerializer<>() {
        @Override
        public void serialize(KeyedLong record, DataOutputView target) {
          target.writeLong(record.key);
          target.writeLong(record.value);
        }

        @Override
        public KeyedLong deserialize(DataInputView source) throws IOException {
          return new KeyedLong(source.readLong(), source.readLong());
        }
      };
}
