package dev.weir.engine.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.engine.operator.AbstractOperator;
import dev.weir.engine.operator.OperatorContext;
import dev.weir.engine.source.SourceOutput;
import dev.weir.engine.source.SourceReader;
import dev.weir.engine.time.ScheduledActions;
import dev.weir.engine.time.Watermarks;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A task's lifecycle on its own thread: open, the mailbox loop, finish, close, failure, cancel. */
class TaskTest {

  /** Records what happens to it; fails on the element {@code failOn} when it is not negative. */
  static final class Recorder extends AbstractOperator<Long, Long> {
    final String name;
    final List<String> events;
    final long failOn;

    Recorder(String name, List<String> events, long failOn) {
      this.name = name;
      this.events = events;
      this.failOn = failOn;
    }

    @Override
    public void open(OperatorContext<Long> context) throws Exception {
      super.open(context);
      events.add(name + " open");
    }

    @Override
    public void processElement(Long record) {
      if (record == failOn) {
        throw new IllegalStateException("bad record " + record);
      }
      events.add(name + " " + record);
      output.emit(record);
    }

    @Override
    public void processWatermark(long watermark) throws Exception {
      if (watermark == Watermarks.MAX) {
        events.add(name + " end of time");
      }
      super.processWatermark(watermark);
    }

    @Override
    public void finish() {
      events.add(name + " finish");
    }

    @Override
    public void close() {
      events.add(name + " close");
    }
  }

  /** Emits 1..count, then ends; with {@code count < 0} it never ends and has nothing to read. */
  static SourceReader<Long> numbers(long count) {
    return new SourceReader<>() {
      long next = 1;

      @Override
      public Status emitNext(SourceOutput<Long> output) {
        if (count < 0) {
          return Status.NOTHING_AVAILABLE;
        }
        if (next > count) {
          return Status.END_OF_INPUT;
        }
        output.emit(next++);
        return Status.MORE_AVAILABLE;
      }
    };
  }

  private static final class Ending implements TaskListener {
    final CompletableFuture<Throwable> ended = new CompletableFuture<>();

    @Override
    public void taskEnded(Task task, Throwable failure) {
      ended.complete(failure);
    }
  }

  /** A source task: the reader feeds the pass-through head, chained to {@code operator}. */
  private static Task sourceTask(Ending listener, SourceReader<Long> reader, Recorder operator) {
    Task task = new Task("test (1/1)", 0, listener);
    ScheduledActions clock = task.scheduler();
    OperatorHost head =
        new OperatorHost("source", 0, 1, new Recorder("source", operator.events, -1), clock, null);
    OperatorHost next = new OperatorHost(operator.name, 0, 1, operator, clock, null);
    head.chainTo(0, next, 0);
    next.addOutput(0, record -> {});
    task.addHost(head);
    task.addHost(next);
    task.setSource(reader);
    return task;
  }

  private static Throwable run(Task task, Ending listener) throws Exception {
    task.prepareThread("test task").start();
    Throwable failure = listener.ended.get(30, TimeUnit.SECONDS);
    task.thread().join(10_000);
    assertThat(task.thread().isAlive()).as("the task's thread ended").isFalse();
    return failure;
  }

  @Test
  void aTaskOpensDownstreamFirstReadsItsInputFinishesAndClosesEverything() throws Exception {
    List<String> events = new CopyOnWriteArrayList<>();
    Ending listener = new Ending();
    Task task = sourceTask(listener, numbers(2), new Recorder("map", events, -1));

    assertThat(run(task, listener)).isNull();

    assertThat(events)
        .containsExactly(
            "map open",
            "source open",
            "map 1",
            "map 2",
            "source end of time",
            "map end of time",
            "source finish",
            "map finish",
            "source close",
            "map close");
    assertThat(task.finishedNormally()).isTrue();
  }

  @Test
  void anOperatorThatThrowsFailsTheTaskWithItsExceptionAndEveryOperatorIsClosed() throws Exception {
    List<String> events = new CopyOnWriteArrayList<>();
    Ending listener = new Ending();
    Task task = sourceTask(listener, numbers(5), new Recorder("map", events, 3));

    Throwable failure = run(task, listener);

    assertThat(failure).isInstanceOf(IllegalStateException.class).hasMessage("bad record 3");
    assertThat(events).contains("source close", "map close").doesNotContain("map finish");
    assertThat(task.finishedNormally()).isFalse();
  }

  @Test
  void aFailureFromAnotherThreadReachesTheTaskThroughItsMailbox() throws Exception {
    List<String> events = new CopyOnWriteArrayList<>();
    Ending listener = new Ending();
    Task task = sourceTask(listener, numbers(-1), new Recorder("map", events, -1));
    task.prepareThread("test task").start();

    task.failExternally(new IllegalStateException("a checkpoint failed"));

    assertThat(listener.ended.get(30, TimeUnit.SECONDS)).hasMessage("a checkpoint failed");
    task.thread().join(10_000);
    assertThat(events).contains("map close");
    assertThatThrownBy(() -> task.mailbox().put(() -> {}))
        .as("no mail runs once the operators closed")
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void cancelEndsAnIdleTaskWithoutAFailure() throws Exception {
    List<String> events = new CopyOnWriteArrayList<>();
    Ending listener = new Ending();
    Task task = sourceTask(listener, numbers(-1), new Recorder("map", events, -1));
    task.prepareThread("test task").start();

    task.cancel();

    assertThat(listener.ended.get(30, TimeUnit.SECONDS)).isNull();
    task.thread().join(10_000);
    assertThat(task.thread().isAlive()).isFalse();
    assertThat(events).contains("map close").doesNotContain("map finish");
  }
}
