package dev.weir.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.engine.operator.AbstractOperator;
import dev.weir.engine.operator.OperatorContext;
import dev.weir.engine.operator.Timer;
import dev.weir.state.StateSpec;
import dev.weir.state.ValueState;
import dev.weir.state.serialization.Serializers;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/** The keyed sum the cluster's tests run: its operator, and what its output should be. */
public final class KeyedSums {

  private KeyedSums() {}

  /**
   * Sums values per key; a timer at the end of event time emits "key=sum". A negative value fails
   * the task (tests use it to inject a failure).
   */
  public static final class KeyedSum extends AbstractOperator<Long, String> {
    static final StateSpec<Void, ValueState<Void, Long>> SUM =
        StateSpec.value("sum", Serializers.VOID, Serializers.LONG);
    private ValueState<Void, Long> sum;

    @Override
    public void open(OperatorContext<String> context) throws Exception {
      super.open(context);
      sum = context.state(SUM);
    }

    @Override
    public void processElement(Long value) {
      if (value < 0) {
        throw new IllegalStateException("a negative number: " + value);
      }
      Long current = sum.value(null);
      if (current == null) {
        context.timerService().registerEventTimeTimer(null, Long.MAX_VALUE - 1);
      }
      sum.update(null, (current == null ? 0 : current) + value);
    }

    @Override
    public void onTimer(Timer timer) {
      output.emit(context.currentKey() + "=" + sum.value(null));
    }
  }

  /** The sums of 0..records-1 per key {@code i % keys}, computed, by key as text. */
  public static Map<String, String> expected(long records, int keys) {
    Map<String, String> expected = new TreeMap<>();
    for (long k = 0; k < Math.min(keys, records); k++) {
      long n = (records - k + keys - 1) / keys; // the values k, k + keys, ... below records
      expected.put(Long.toString(k), Long.toString(n * k + (long) keys * n * (n - 1) / 2));
    }
    return expected;
  }

  /** "key=sum" lines by key, each key once. */
  public static Map<String, String> byKey(Collection<String> lines) {
    Map<String, String> byKey = new TreeMap<>();
    for (String line : lines) {
      String[] kv = line.split("=");
      assertThat(byKey.put(kv[0], kv[1])).as("one sum per key: %s", line).isNull();
    }
    return byKey;
  }
}
