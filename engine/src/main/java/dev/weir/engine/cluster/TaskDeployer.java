package dev.weir.engine.cluster;

import dev.weir.engine.checkpoint.CompletedCheckpoint;
import dev.weir.engine.checkpoint.SourcePositions;
import dev.weir.engine.checkpoint.SubtaskState;
import dev.weir.engine.checkpoint.TaskCheckpointContext;
import dev.weir.engine.exchange.ChannelSelector;
import dev.weir.engine.exchange.InputChannel;
import dev.weir.engine.exchange.InputGate;
import dev.weir.engine.exchange.LocalInputChannel;
import dev.weir.engine.exchange.RecordDeserializer;
import dev.weir.engine.exchange.RecordWriter;
import dev.weir.engine.exchange.ResultPartition;
import dev.weir.engine.graph.InvalidJobGraphException;
import dev.weir.engine.graph.JobEdge;
import dev.weir.engine.graph.JobGraph;
import dev.weir.engine.graph.JobVertex;
import dev.weir.engine.graph.KeySelector;
import dev.weir.engine.graph.Partitioning;
import dev.weir.engine.lifecycle.DaemonThreads;
import dev.weir.engine.operator.AbstractOperator;
import dev.weir.engine.operator.Operator;
import dev.weir.engine.serialization.KryoSerializer;
import dev.weir.engine.source.SourceReader;
import dev.weir.engine.task.InputChannelBinding;
import dev.weir.engine.task.OperatorHost;
import dev.weir.engine.task.Task;
import dev.weir.engine.task.TaskListener;
import dev.weir.engine.time.ManualClock;
import dev.weir.state.KeyGroups;
import dev.weir.state.KeyedStateBackend;
import dev.weir.state.serialization.TypeSerializer;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Turns a validated job graph into wired tasks in this JVM: finds the operator chains, creates a
 * task per chain and subtask with its operators, and connects every non-chained edge with result
 * partitions (producer side) and input gates of local channels (consumer side).
 *
 * <p>A job spread over several processes is deployed by each of them with the same graph and {@link
 * TaskPlacement}: each creates only the tasks placed on it, registers the partitions that consumers
 * elsewhere read with its {@link RemoteExchange}, and reads partitions produced elsewhere through
 * remote channels from it.
 */
public final class TaskDeployer {

  private final JobGraph graph;
  private final ManualClock clock;
  private final EngineConfig config;
  private final TaskListener listener;
  private final TaskPlacement placement;
  private final RemoteExchange remote;

  /** vertex id → subtask → the task that runs it. */
  private final Map<Integer, Task[]> taskOf = new HashMap<>();

  /** vertex id → subtask → its host. */
  private final Map<Integer, OperatorHost[]> hostOf = new HashMap<>();

  private final CompletedCheckpoint restore;
  private final TaskCheckpointContext checkpoints;

  TaskDeployer(JobGraph graph, EngineConfig config, TaskListener listener) {
    this(graph, config, listener, null, null);
  }

  /**
   * @param restore the checkpoint to restore the tasks from, or {@code null} for a fresh start
   * @param checkpoints how tasks take part in checkpoints, or {@code null} when the job takes none
   */
  TaskDeployer(
      JobGraph graph,
      EngineConfig config,
      TaskListener listener,
      CompletedCheckpoint restore,
      TaskCheckpointContext checkpoints) {
    this(graph, config, listener, restore, checkpoints, TaskPlacement.ALL_LOCAL, null);
  }

  /**
   * The part of a job that runs in this process.
   *
   * @param placement which tasks run here
   * @param remote the exchange with the other processes; {@code null} when all tasks run here
   */
  public TaskDeployer(
      JobGraph graph,
      EngineConfig config,
      TaskListener listener,
      CompletedCheckpoint restore,
      TaskCheckpointContext checkpoints,
      TaskPlacement placement,
      RemoteExchange remote) {
    this.graph = graph;
    this.clock =
        graph.manualProcessingTimeStart() == null
            ? null
            : new ManualClock(graph.manualProcessingTimeStart());
    this.config = config;
    this.listener = listener;
    this.restore = restore;
    this.checkpoints = checkpoints;
    this.placement = placement;
    this.remote = remote;
  }

  /** Checkpointed state finds its operator by vertex name, so names must be unique. */
  static void requireUniqueNames(JobGraph graph) {
    Map<String, JobVertex> seen = new HashMap<>();
    for (JobVertex v : graph.vertices()) {
      JobVertex other = seen.putIfAbsent(v.name(), v);
      if (other != null) {
        throw new InvalidJobGraphException(
            "vertices "
                + other
                + " and "
                + v
                + " share the name '"
                + v.name()
                + "'; a job that takes checkpoints needs unique vertex names, since restored state finds its operator by name");
      }
    }
  }

  /**
   * The tasks, not yet started. When anything fails part-way (an operator factory, a restore, a
   * source reader), what was created so far is closed before the failure is thrown: keyed state
   * (RocksDB instances hold native memory and a folder), source readers and buffers.
   */
  public List<Task> deploy(List<JobVertex> topologicalOrder) throws Exception {
    List<Task> tasks = new ArrayList<>();
    try {
      wire(topologicalOrder, tasks);
      return tasks;
    } catch (Throwable e) {
      for (Task t : tasks) {
        try {
          t.discard();
        } catch (RuntimeException discardFailure) {
          e.addSuppressed(discardFailure);
        }
      }
      throw e;
    }
  }

  /**
   * The processing-time clock the deployed tasks share, or {@code null} when they read the wall
   * clock; a deployment that is part of a job moves it when the job's clock moves elsewhere.
   */
  public ManualClock manualClock() {
    return clock;
  }

  /** Creates, restores and connects the tasks, adding each to {@code tasks} as it is created. */
  private void wire(List<JobVertex> topologicalOrder, List<Task> tasks) throws Exception {
    List<Callable<Void>> restores = new ArrayList<>();
    // Numbered over the whole job, wherever a task runs, so state files never share a name.
    int taskIndex = 0;
    for (JobVertex head : topologicalOrder) {
      if (!isChainHead(head)) {
        continue;
      }
      List<JobVertex> chain = chainOf(head);
      String chainName = String.join(" -> ", chain.stream().map(JobVertex::name).toList());
      for (int i = 0; i < head.parallelism(); i++) {
        int index = taskIndex++;
        if (!placement.isLocal(head, i)) {
          continue;
        }
        Task task =
            new Task(
                chainName + " (" + (i + 1) + "/" + head.parallelism() + ")", i, listener, clock);
        if (checkpoints != null) {
          task.enableCheckpoints(checkpoints, String.format("task-%04d.state", index));
        }
        tasks.add(task);
        for (JobVertex v : chain) {
          taskOf.computeIfAbsent(v.id(), k -> new Task[v.parallelism()])[i] = task;
          OperatorHost host = createHost(v, i, task);
          if (restore != null) {
            List<SubtaskState> states = restore.statesOf(v.name());
            restores.add(
                () -> {
                  host.restore(states);
                  return null;
                });
          }
          hostOf.computeIfAbsent(v.id(), k -> new OperatorHost[v.parallelism()])[i] = host;
          task.addHost(host);
        }
        if (restore != null && finishedOnRestore(head, i)) {
          requireFinishedUpstream(head, i);
          task.setFinishedOnRestore();
        }
      }
    }
    restoreInParallel(restores);
    for (JobEdge e : graph.edges()) {
      if (e.isChained()) {
        for (int i = 0; i < e.source().parallelism(); i++) {
          OperatorHost target = localHost(e.target(), i);
          if (target == null) {
            continue; // the chain runs elsewhere
          }
          if (e.encodeWhenChainedEvery() > 0 && e.serializer() != null) {
            hostOf.get(e.source().id())[i].chainEncodingTo(
                e.sourceOutput(),
                target,
                e.targetInput(),
                e.serializer().duplicate(),
                e.encodeWhenChainedEvery(),
                e.source().name() + " -> " + e.target().name());
          } else {
            hostOf.get(e.source().id())[i].chainTo(e.sourceOutput(), target, e.targetInput());
          }
        }
      }
    }
    Map<JobEdge, ResultPartition[]> partitions = new HashMap<>();
    List<JobEdge> edges = graph.edges();
    for (int k = 0; k < edges.size(); k++) {
      JobEdge e = edges.get(k);
      if (!e.isChained()) {
        partitions.put(e, connectProducers(e, k));
      }
    }
    for (JobVertex v : topologicalOrder) {
      if (!isChainHead(v)) {
        continue;
      }
      for (int j = 0; j < v.parallelism(); j++) {
        Task task = localTask(v, j);
        if (task == null) {
          continue; // runs elsewhere
        }
        if (v.isSource()) {
          task.setSource(createReader(v, j));
        } else {
          connectConsumer(v, j, task, partitions);
        }
      }
    }
  }

  /**
   * Restores the operators' state on a few threads at once: reading and rebuilding state is most of
   * a restart's time, and the subtasks' states are independent. The tasks' threads start later, so
   * they see the restored state.
   */
  private void restoreInParallel(List<Callable<Void>> restores) throws Exception {
    if (restores.size() <= 1) {
      for (Callable<Void> r : restores) {
        r.call();
      }
      return;
    }
    int threads = Math.min(restores.size(), Runtime.getRuntime().availableProcessors());
    ExecutorService pool =
        Executors.newFixedThreadPool(
            threads, DaemonThreads.named("weir[" + graph.name() + "] restore"));
    try {
      Exception failure = null;
      for (Future<Void> f : pool.invokeAll(restores)) {
        try {
          f.get();
        } catch (ExecutionException e) {
          Exception cause =
              e.getCause() instanceof Exception c ? c : new IllegalStateException(e.getCause());
          if (failure == null) {
            failure = cause;
          } else {
            failure.addSuppressed(cause);
          }
        }
      }
      if (failure != null) {
        throw failure;
      }
    } finally {
      pool.shutdownNow();
      // Every restore ended (invokeAll waited): its threads stop at once. Waiting for them means a
      // deployment that returns leaves no thread of its own behind.
      pool.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Whether the checkpoint shows subtask {@code subtask} of {@code head}'s chain as done with its
   * input.
   */
  private boolean finishedOnRestore(JobVertex head, int subtask) {
    List<SubtaskState> states = restore.statesOf(head.name());
    if (states.isEmpty()) {
      return false;
    }
    if (states.size() == head.parallelism()) {
      return states.get(subtask).finished();
    }
    return states.stream().allMatch(SubtaskState::finished);
  }

  /**
   * A chain the checkpoint shows finished reads nothing more, so everything upstream of it must be
   * finished in the checkpoint too. When the job changed since (a new or changed upstream), the
   * finished chain would leave that upstream's records unread and the job would stall: the restore
   * fails instead, naming both (as Flink refuses mixed finished states).
   */
  private void requireFinishedUpstream(JobVertex head, int subtask) {
    for (JobVertex v : chainOf(head)) {
      for (JobEdge e : v.inputs()) {
        if (e.isChained()) {
          continue;
        }
        JobVertex upstream = chainHeadOf(e.source());
        for (int j = 0; j < upstream.parallelism(); j++) {
          if (!finishedOnRestore(upstream, j)) {
            throw new IllegalStateException(
                restore
                    + " shows '"
                    + head.name()
                    + "' ("
                    + (subtask + 1)
                    + "/"
                    + head.parallelism()
                    + ") finished, but its input '"
                    + upstream.name()
                    + "' ("
                    + (j + 1)
                    + "/"
                    + upstream.parallelism()
                    + ") is not finished there (or not in it): the job's graph differs from the"
                    + " one checkpointed after its tasks began to finish. Restore from an earlier"
                    + " checkpoint or savepoint, or keep the upstream transforms as they were");
          }
        }
      }
    }
  }

  private SourceReader<?> createReader(JobVertex v, int subtask) throws Exception {
    List<SubtaskState> states = restore == null ? List.of() : restore.statesOf(v.name());
    if (states.isEmpty()) {
      return v.source().createReader(subtask, v.parallelism());
    }
    List<Object> positions = new ArrayList<>();
    for (SubtaskState s : OperatorHost.assignedTo(states, subtask, v.parallelism())) {
      if (s.sourcePosition() != null) {
        positions.add(SourcePositions.deserialize(s.sourcePosition()));
      } else if (!s.finished()) {
        throw new IllegalStateException(
            "source '"
                + v.name()
                + "' stored no position in "
                + restore
                + " (its reader's position() returned null), so it cannot continue from there");
      }
    }
    return v.source().restoreReader(subtask, v.parallelism(), positions);
  }

  /** The task running subtask {@code i} of {@code v} here, or {@code null} if it runs elsewhere. */
  private Task localTask(JobVertex v, int i) {
    Task[] tasks = taskOf.get(v.id());
    return tasks == null ? null : tasks[i];
  }

  private OperatorHost localHost(JobVertex v, int i) {
    OperatorHost[] hosts = hostOf.get(v.id());
    return hosts == null ? null : hosts[i];
  }

  /**
   * The heads of the operator chains of a validated graph, in {@code topologicalOrder}: a job has a
   * task per head and subtask.
   */
  public static List<JobVertex> chainHeads(List<JobVertex> topologicalOrder) {
    return topologicalOrder.stream().filter(TaskDeployer::isChainHead).toList();
  }

  /** The head of the chain {@code v} runs in. */
  private static JobVertex chainHeadOf(JobVertex v) {
    JobVertex head = v;
    while (!isChainHead(head)) {
      head = head.inputs().get(0).source();
    }
    return head;
  }

  private static boolean isChainHead(JobVertex v) {
    return v.isSource() || !(v.inputs().size() == 1 && v.inputs().get(0).isChained());
  }

  /** The head and every vertex reachable from it over chained edges, producers first. */
  private static List<JobVertex> chainOf(JobVertex head) {
    List<JobVertex> chain = new ArrayList<>();
    ArrayDeque<JobVertex> todo = new ArrayDeque<>();
    todo.add(head);
    while (!todo.isEmpty()) {
      JobVertex v = todo.poll();
      chain.add(v);
      for (JobEdge e : v.outputs()) {
        if (e.isChained()) {
          todo.add(e.target());
        }
      }
    }
    return chain;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private OperatorHost createHost(JobVertex v, int subtask, Task task) throws IOException {
    Operator<?, ?> operator = v.isSource() ? newSourcePassThrough() : v.operatorFactory().create();
    if (operator == null) {
      throw new IllegalStateException("the operator factory of " + v + " returned null");
    }
    KeyedStateBackend<?> backend = null;
    if (v.isKeyed()) {
      TypeSerializer keySerializer =
          v.keySerializer() != null
              ? v.keySerializer()
              // Keys are read back from checkpoints: plain values only unless the job says more.
              : KryoSerializer.registeredOnly(Object.class);
      backend =
          config
              .stateBackend()
              .create(
                  v.name(),
                  subtask,
                  keySerializer.duplicate(),
                  KeyGroups.rangeFor(subtask, v.maxParallelism(), v.parallelism()),
                  v.maxParallelism());
    }
    try {
      return new OperatorHost(
          v.name(), subtask, v.parallelism(), operator, task.scheduler(), backend);
    } catch (RuntimeException e) {
      if (backend != null) {
        backend.close();
      }
      throw e;
    }
  }

  private static Operator<?, ?> newSourcePassThrough() {
    return new AbstractOperator<Object, Object>() {
      @Override
      public void processElement(Object record) {
        output.emit(record);
      }
    };
  }

  /**
   * The name of what subtask {@code producerSubtask} sends over the {@code edgeIndex}th edge of the
   * graph: the same in every process that deploys the graph.
   */
  public static String partitionName(int edgeIndex, int producerSubtask) {
    return "edge-" + edgeIndex + "#" + producerSubtask;
  }

  /** The partitions of the producers of {@code e} that run here (others stay {@code null}). */
  @SuppressWarnings("unchecked")
  private ResultPartition[] connectProducers(JobEdge e, int edgeIndex) {
    JobVertex producer = e.source();
    JobVertex consumer = e.target();
    int channels = e.partitioning() == Partitioning.FORWARD ? 1 : consumer.parallelism();
    ResultPartition[] result = new ResultPartition[producer.parallelism()];
    for (int i = 0; i < producer.parallelism(); i++) {
      Task task = localTask(producer, i);
      if (task == null) {
        continue; // produced elsewhere
      }
      ResultPartition partition =
          new ResultPartition(
              e + " #" + i, channels, config.bufferSize(), config.buffersPerOutputChannel());
      result[i] = partition;
      if (readElsewhere(e, i)) {
        remote.registerPartition(partitionName(edgeIndex, i), partition);
      }
      ChannelSelector<Object> selector =
          switch (e.partitioning()) {
            case FORWARD -> ChannelSelector.single();
            case BROADCAST -> ChannelSelector.broadcast();
            case REBALANCE -> ChannelSelector.rebalance(channels, i);
            case HASH ->
                ChannelSelector.hash(
                    (KeySelector<Object, Object>) e.keySelector(),
                    consumer.maxParallelism(),
                    channels);
          };
      RecordWriter<Object> writer =
          new RecordWriter<>(
              partition,
              (TypeSerializer<Object>) e.serializer().duplicate(),
              selector,
              config.bufferTimeoutMillis(),
              task.flushDeadline(),
              task.cancelledCheck());
      task.connectWriter(hostOf.get(producer.id())[i], e.sourceOutput(), writer);
    }
    return result;
  }

  /** Whether a consumer of subtask {@code producer}'s partition of {@code e} runs elsewhere. */
  private boolean readElsewhere(JobEdge e, int producer) {
    JobVertex consumer = e.target();
    if (e.partitioning() == Partitioning.FORWARD) {
      return !placement.isLocal(consumer, producer);
    }
    for (int j = 0; j < consumer.parallelism(); j++) {
      if (!placement.isLocal(consumer, j)) {
        return true;
      }
    }
    return false;
  }

  @SuppressWarnings("unchecked")
  private void connectConsumer(
      JobVertex v, int subtask, Task task, Map<JobEdge, ResultPartition[]> partitions)
      throws InterruptedException {
    List<InputChannel> channels = new ArrayList<>();
    List<InputChannelBinding> bindings = new ArrayList<>();
    for (JobEdge e : v.inputs()) {
      ResultPartition[] producers = partitions.get(e);
      KeySelector<Object, Object> keys =
          e.partitioning() == Partitioning.HASH
              ? (KeySelector<Object, Object>) e.keySelector()
              : null;
      int from = e.partitioning() == Partitioning.FORWARD ? subtask : 0;
      int to = e.partitioning() == Partitioning.FORWARD ? subtask + 1 : producers.length;
      int channelInPartition = e.partitioning() == Partitioning.FORWARD ? 0 : subtask;
      for (int i = from; i < to; i++) {
        if (producers[i] != null) {
          channels.add(
              new LocalInputChannel(
                  producers[i].subpartition(channelInPartition), config.creditsPerInputChannel()));
        } else {
          channels.add(
              remote.openChannel(
                  chainHeadOf(e.source()),
                  i,
                  partitionName(graph.edges().indexOf(e), i),
                  channelInPartition,
                  config.creditsPerInputChannel(),
                  config.bufferSize()));
        }
        RecordDeserializer<Object> deserializer =
            new RecordDeserializer<>((TypeSerializer<Object>) e.serializer().duplicate());
        bindings.add(
            new InputChannelBinding(
                e.targetInput(), deserializer, keys, e.isExcludedFromWatermark()));
      }
    }
    InputGate gate = new InputGate(channels.toArray(new InputChannel[0]), task.waker()::signal);
    task.setInput(gate, bindings.toArray(new InputChannelBinding[0]));
  }
}
