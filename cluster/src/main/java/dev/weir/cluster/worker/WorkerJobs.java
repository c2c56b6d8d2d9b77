package dev.weir.cluster.worker;

import dev.weir.cluster.exchange.DataPlane;
import dev.weir.cluster.protocol.v1.AbortCheckpoint;
import dev.weir.cluster.protocol.v1.ControlMessage;
import dev.weir.cluster.protocol.v1.FetchJar;
import dev.weir.cluster.protocol.v1.JarChunk;
import dev.weir.cluster.protocol.v1.JobAttempt;
import dev.weir.cluster.protocol.v1.PrepareTasks;
import dev.weir.cluster.protocol.v1.QuiescenceLook;
import dev.weir.cluster.protocol.v1.QuiescenceQuery;
import dev.weir.cluster.protocol.v1.RunningTask;
import dev.weir.cluster.protocol.v1.TasksPrepared;
import dev.weir.cluster.protocol.v1.TriggerCheckpoint;
import dev.weir.cluster.usercode.JarStore;
import dev.weir.engine.cluster.EngineConfig;
import dev.weir.engine.exchange.ExchangeEvent.CheckpointBarrier;
import dev.weir.engine.lifecycle.DaemonThreads;
import dev.weir.engine.task.Task;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jobs a worker runs for its coordinator: prepares the tasks of an attempt that the coordinator
 * places here (fetching the job's jars it lacks), starts them when told, reports their states, and
 * cancels them when told or when the worker fences itself.
 *
 * <p>Threads: the coordinator's messages arrive on the control connection's event loop, which only
 * hands work on: preparing (jar fetches, decoding, connecting to other workers) runs on this
 * object's own thread, so the event loop never waits.
 */
public final class WorkerJobs implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(WorkerJobs.class);

  /** How often a running attempt's metrics go to the coordinator (besides each task status). */
  static final Duration METRICS_INTERVAL = Duration.ofSeconds(2);

  private final DataPlane dataPlane;
  private final JarStore jars;
  private final EngineConfig config;
  private final ExecutorService preparing;

  /** Sends the running attempts' Beam metrics every {@link #METRICS_INTERVAL}. */
  private final ScheduledExecutorService metricsReports;

  private final Map<String, DeployedAttempt> attempts = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<Void>> fetches = new ConcurrentHashMap<>();
  private volatile String workerId;
  private volatile Channel coordinator;

  public WorkerJobs(DataPlane dataPlane, JarStore jars, EngineConfig config) {
    this.dataPlane = dataPlane;
    this.jars = jars;
    this.config = config;
    this.preparing = Executors.newSingleThreadExecutor(DaemonThreads.named("weir-worker-deploy"));
    this.metricsReports =
        Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("weir-worker-metrics"));
    long every = METRICS_INTERVAL.toMillis();
    metricsReports.scheduleWithFixedDelay(this::reportMetrics, every, every, TimeUnit.MILLISECONDS);
  }

  /** The handler of the coordinator's job messages on a new control connection. */
  public ChannelHandler newHandler() {
    return new JobMessages();
  }

  /** This worker joined (again) as {@code id}: messages go to the new connection. */
  public void joined(String id) {
    this.workerId = id;
  }

  /** The tasks running here, for heartbeats. Any thread. */
  public List<RunningTask> running() {
    List<RunningTask> all = new ArrayList<>();
    for (DeployedAttempt a : attempts.values()) {
      all.addAll(a.running());
    }
    return all;
  }

  /** The engine's tasks deployed here, of every job: for monitoring and tests. Any thread. */
  public List<Task> tasks() {
    List<Task> all = new ArrayList<>();
    for (DeployedAttempt a : attempts.values()) {
      all.addAll(a.tasks());
    }
    return all;
  }

  /** Attempts with tasks here. */
  public int attemptCount() {
    return attempts.size();
  }

  /** The coordinator is lost: every task here stops, so none commits for a job moved elsewhere. */
  public void fence(String why) {
    for (DeployedAttempt a : attempts.values()) {
      a.fence("the worker fenced itself: " + why);
    }
  }

  private void reportMetrics() {
    for (DeployedAttempt a : attempts.values()) {
      try {
        a.reportMetrics();
      } catch (RuntimeException e) {
        LOG.warn("cannot report the metrics of job {}: {}", key(a.job()), e.toString());
      }
    }
  }

  @Override
  public void close() {
    fence("the worker stops");
    metricsReports.shutdownNow();
    preparing.shutdownNow();
    try {
      preparing.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static String key(JobAttempt job) {
    return job.getJobId() + "#" + job.getAttempt();
  }

  void send(ControlMessage message) {
    Channel c = coordinator;
    if (c != null && c.isActive()) {
      c.writeAndFlush(message);
    }
  }

  void ended(DeployedAttempt attempt) {
    attempts.remove(key(attempt.job()), attempt);
  }

  /** Preparing thread. */
  private void prepare(PrepareTasks request) {
    JobAttempt job = request.getJob();
    TasksPrepared.Builder answer =
        TasksPrepared.newBuilder().setJob(job).setWorkerId(String.valueOf(workerId));
    try {
      for (String sha : request.getJarSha256List()) {
        fetch(sha);
      }
      DeployedAttempt attempt =
          DeployedAttempt.prepare(request, workerId, dataPlane, jars, config, this);
      DeployedAttempt previous = attempts.put(key(job), attempt);
      if (previous != null) {
        previous.cancel("prepared again");
      }
    } catch (Exception | LinkageError e) {
      LOG.warn("cannot prepare the tasks of {}: {}", key(job), e.toString(), e);
      answer.setFailure(e.toString());
    }
    send(ControlMessage.newBuilder().setTasksPrepared(answer).build());
  }

  /** Preparing thread. */
  private void start(DeployedAttempt attempt) {
    try {
      attempt.start();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      attempt.cancel("the worker stops");
    }
  }

  /** Gets a jar from the coordinator unless it is here. Preparing thread. */
  private void fetch(String sha) throws Exception {
    JarStore.requireDigest(sha);
    if (jars.has(sha)) {
      return;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    fetches.put(sha, done);
    send(ControlMessage.newBuilder().setFetchJar(FetchJar.newBuilder().setSha256(sha)).build());
    try {
      done.get(5, TimeUnit.MINUTES);
    } catch (TimeoutException e) {
      throw new IOException("the coordinator did not send jar " + sha + " within 5 minutes");
    } finally {
      fetches.remove(sha);
    }
  }

  /** Event loop. */
  private void onJarChunk(JarChunk chunk) {
    CompletableFuture<Void> waiting = fetches.get(chunk.getSha256());
    if (waiting == null) {
      LOG.warn("a piece of jar {} nobody asked for; dropped", chunk.getSha256());
      return;
    }
    try {
      if (jars.accept(chunk)) {
        waiting.complete(null);
      }
    } catch (IOException | RuntimeException e) {
      waiting.completeExceptionally(e);
    }
  }

  /** The coordinator's job messages on one control connection. Event loop. */
  private final class JobMessages extends SimpleChannelInboundHandler<ControlMessage> {

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      coordinator = ctx.channel();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ControlMessage m) {
      switch (m.getBodyCase()) {
        case PREPARE_TASKS -> {
          PrepareTasks request = m.getPrepareTasks();
          preparing.execute(() -> prepare(request));
        }
        case START_TASKS -> {
          DeployedAttempt a = attempts.get(key(m.getStartTasks().getJob()));
          if (a != null) {
            preparing.execute(() -> start(a));
          }
        }
        case ALL_TASKS_FINISHED -> {
          DeployedAttempt a = attempts.get(key(m.getAllTasksFinished().getJob()));
          if (a != null) {
            a.onAllTasksFinished();
          }
        }
        case CANCEL_JOB -> {
          DeployedAttempt a = attempts.get(key(m.getCancelJob().getJob()));
          if (a != null) {
            a.cancel("cancelled by the coordinator");
          }
        }
        case TRIGGER_CHECKPOINT -> {
          TriggerCheckpoint t = m.getTriggerCheckpoint();
          DeployedAttempt a = attempts.get(key(t.getJob()));
          if (a != null) {
            a.triggerCheckpoint(
                new CheckpointBarrier(
                    t.getCheckpointId(),
                    t.getTimestampMillis(),
                    t.getSavepoint(),
                    t.getStopSources()));
          }
        }
        case CHECKPOINT_COMPLETE -> {
          DeployedAttempt a = attempts.get(key(m.getCheckpointComplete().getJob()));
          if (a != null) {
            a.notifyCheckpointComplete(m.getCheckpointComplete().getCheckpointId());
          }
        }
        case ABORT_CHECKPOINT -> {
          AbortCheckpoint abort = m.getAbortCheckpoint();
          DeployedAttempt a = attempts.get(key(abort.getJob()));
          if (a != null) {
            a.abortCheckpoint(abort.getCheckpointId(), abort.getReason());
          }
        }
        case QUIESCENCE_QUERY -> {
          QuiescenceQuery q = m.getQuiescenceQuery();
          DeployedAttempt a = attempts.get(key(q.getJob()));
          QuiescenceLook look =
              a != null
                  ? a.look(q)
                  // Nothing of the attempt runs here (any more): nothing to wait for.
                  : QuiescenceLook.newBuilder()
                      .setJob(q.getJob())
                      .setProbe(q.getProbe())
                      .setRound(q.getRound())
                      .setIdle(true)
                      .build();
          ctx.writeAndFlush(ControlMessage.newBuilder().setQuiescenceLook(look).build());
        }
        case QUIESCENCE_RESULT -> {
          DeployedAttempt a = attempts.get(key(m.getQuiescenceResult().getJob()));
          if (a != null) {
            a.onQuiescenceResult(m.getQuiescenceResult());
          }
        }
        case PROCESSING_TIME_ADVANCED -> {
          DeployedAttempt a = attempts.get(key(m.getProcessingTimeAdvanced().getJob()));
          if (a != null) {
            a.onProcessingTimeAdvanced(m.getProcessingTimeAdvanced().getMillis());
          }
        }
        case RESUME_SOURCES -> {
          DeployedAttempt a = attempts.get(key(m.getResumeSources().getJob()));
          if (a != null) {
            a.resumeSources();
          }
        }
        case JAR_CHUNK -> onJarChunk(m.getJarChunk());
        default ->
            LOG.warn("unexpected message from the coordinator, dropped: {}", m.getBodyCase());
      }
    }
  }
}
