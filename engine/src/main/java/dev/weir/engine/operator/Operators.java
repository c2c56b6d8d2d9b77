package dev.weir.engine.operator;

import java.io.Serializable;
import java.util.function.Consumer;

/** Small ready-made operators: map, filter, flat map, sink. */
public final class Operators {

  private Operators() {}

  /** A serializable function. */
  @FunctionalInterface
  public interface Fn<A, B> extends Serializable {
    B apply(A a) throws Exception;
  }

  /** A serializable record consumer. */
  @FunctionalInterface
  public interface Sink<A> extends Serializable {
    void accept(A a) throws Exception;
  }

  /** A serializable flat map. */
  @FunctionalInterface
  public interface FlatFn<A, B> extends Serializable {
    void apply(A a, Consumer<B> out) throws Exception;
  }

  public static <A, B> Operator<A, B> map(Fn<A, B> fn) {
    return new AbstractOperator<>() {
      @Override
      public void processElement(A record) throws Exception {
        output.emit(fn.apply(record));
      }
    };
  }

  public static <A> Operator<A, A> filter(Fn<A, Boolean> predicate) {
    return new AbstractOperator<>() {
      @Override
      public void processElement(A record) throws Exception {
        if (predicate.apply(record)) {
          output.emit(record);
        }
      }
    };
  }

  public static <A, B> Operator<A, B> flatMap(FlatFn<A, B> fn) {
    return new AbstractOperator<>() {
      private Consumer<B> emitter;

      @Override
      public void open(OperatorContext<B> context) throws Exception {
        super.open(context);
        emitter = output::emit;
      }

      @Override
      public void processElement(A record) throws Exception {
        fn.apply(record, emitter);
      }
    };
  }

  /** Hands every record to {@code sink}; emits nothing. */
  public static <A> Operator<A, Void> sink(Sink<A> sink) {
    return new AbstractOperator<>() {
      @Override
      public void processElement(A record) throws Exception {
        sink.accept(record);
      }
    };
  }
}
