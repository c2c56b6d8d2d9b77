package dev.weir.cluster.coordinator;

import dev.weir.cluster.job.JobSettingsCodec;
import dev.weir.cluster.membership.CoordinatorMembership;
import dev.weir.cluster.membership.HeartbeatSettings;
import dev.weir.cluster.membership.RegisteredWorker;
import dev.weir.cluster.protocol.v1.ControlMessage;
import dev.weir.cluster.protocol.v1.JobEnded;
import dev.weir.cluster.protocol.v1.JobReply;
import dev.weir.cluster.protocol.v1.JobRequest;
import dev.weir.cluster.protocol.v1.JobSettings;
import dev.weir.cluster.protocol.v1.JobSubmitted;
import dev.weir.cluster.protocol.v1.SubmitJob;
import dev.weir.cluster.transport.ClusterTransport;
import dev.weir.cluster.transport.ControlFraming;
import dev.weir.cluster.usercode.JarStore;
import dev.weir.engine.checkpoint.CheckpointCoordinator;
import dev.weir.engine.checkpoint.CheckpointStorage;
import dev.weir.engine.cluster.EngineConfig;
import dev.weir.engine.cluster.LocalCluster;
import dev.weir.engine.cluster.TaskDeployer;
import dev.weir.engine.graph.JobGraph;
import dev.weir.engine.graph.JobGraphCodec;
import dev.weir.engine.graph.JobGraphValidator;
import dev.weir.engine.graph.JobVertex;
import dev.weir.engine.lifecycle.DaemonThreads;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator of a cluster: keeps its workers ({@link CoordinatorMembership}), takes jobs and
 * their jars from clients, places each job's tasks on free slots and runs it ({@link ClusterJob}),
 * and sends workers the jars they ask for. A lost worker fails the jobs with tasks on it.
 *
 * <p>Threads: messages arrive on the transport's event loops; submissions (decoding a graph runs
 * user code's deserialization) run on the coordinator's own thread. Any thread may call the public
 * methods.
 */
public final class ClusterCoordinator implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterCoordinator.class);

  private final CoordinatorMembership membership;
  private final JarStore jars;
  private final ScheduledExecutorService scheduler;
  private final SharedSlots slots = new SharedSlots();
  private final Map<String, ClusterJob> jobs = new ConcurrentHashMap<>();
  private final Map<String, Integer> slotsUsed = new HashMap<>();
  private final AtomicLong nextJob = new AtomicLong(1);
  private final BiConsumer<RegisteredWorker, String> onLost;

  /**
   * Listens on {@code bindHost:port} for workers and clients; jars go under {@code workDirectory}.
   *
   * @param onLost also told of every lost worker (for the process's output); may be a no-op
   */
  public ClusterCoordinator(
      ClusterTransport transport,
      String bindHost,
      int port,
      HeartbeatSettings heartbeats,
      Path workDirectory,
      BiConsumer<RegisteredWorker, String> onLost) {
    this.jars = new JarStore(workDirectory.resolve("jars"));
    this.onLost = onLost;
    ScheduledThreadPoolExecutor jobThread =
        new ScheduledThreadPoolExecutor(1, DaemonThreads.named("weir-coordinator-jobs"));
    // Timeouts and restart delays of jobs are moot once the coordinator stops.
    jobThread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.scheduler = jobThread;
    this.membership =
        new CoordinatorMembership(
            transport,
            bindHost,
            port,
            heartbeats,
            this::workerLost,
            WorkerJobMessages::new,
            (pipeline, peer) ->
                ControlFraming.install(
                    pipeline, ControlFraming.DEFAULT_MAX_FRAME_BYTES, new ClientMessages()));
  }

  public InetSocketAddress address() {
    return membership.address();
  }

  public CoordinatorMembership membership() {
    return membership;
  }

  /** Jobs not ended yet. */
  public int runningJobs() {
    return (int) jobs.values().stream().filter(j -> j.phase() != ClusterJob.Phase.ENDED).count();
  }

  @Override
  public void close() {
    for (ClusterJob job : jobs.values()) {
      job.cancel();
    }
    scheduler.shutdown();
    try {
      scheduler.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    membership.close();
  }

  private void workerLost(RegisteredWorker worker, String why) {
    onLost.accept(worker, why);
    for (ClusterJob job : jobs.values()) {
      if (job.runsOn(worker.id())) {
        job.onWorkerLost(worker.id(), why);
      }
    }
  }

  /** Submission thread. */
  private void submit(SubmitJob request, Channel client) {
    String id = "job-" + nextJob.getAndIncrement();
    CheckpointCoordinator checkpoints = null;
    try {
      for (String sha : request.getJarSha256List()) {
        if (!jars.has(JarStore.requireDigest(sha))) {
          throw new IllegalArgumentException("jar " + sha + " was not uploaded before the job");
        }
      }
      JobSettings settingsMessage =
          request.hasSettings()
              ? request.getSettings()
              : JobSettingsCodec.encode(EngineConfig.DEFAULT);
      EngineConfig settings = JobSettingsCodec.decode(settingsMessage);
      List<SubmittedJob.Chain> chains = new ArrayList<>();
      for (JobVertex head : chainHeads(request)) {
        chains.add(new SubmittedJob.Chain(head.name(), head.parallelism()));
      }
      if (settings.checkpoints() != null) {
        Path folder =
            settings
                .checkpoints()
                .directory()
                .resolve(LocalCluster.runFolderName(request.getJobName()));
        checkpoints =
            new CheckpointCoordinator(
                request.getJobName(), settings.checkpoints(), new CheckpointStorage(folder));
      }
      Path savepoint = null;
      if (!request.getSavepointPath().isEmpty()) {
        savepoint = Path.of(request.getSavepointPath());
        // Read now, so a wrong or corrupt path refuses the job with the reason.
        CheckpointStorage.loadPath(savepoint);
      }
      SubmittedJob submitted =
          new SubmittedJob(
              id,
              request.getJobName(),
              request.getJobGraph(),
              request.getJarSha256List(),
              chains,
              settingsMessage,
              settings,
              savepoint);
      List<RegisteredWorker> placed = slots.take(submitted.slotsNeeded());
      ClusterJob job =
          new ClusterJob(
              submitted,
              checkpoints,
              client,
              membership.registry(),
              slots,
              scheduler,
              this::jobEnded);
      jobs.put(id, job);
      client.writeAndFlush(
          ControlMessage.newBuilder()
              .setJobSubmitted(JobSubmitted.newBuilder().setJobId(id))
              .build());
      job.start(placed);
    } catch (Exception | LinkageError e) {
      if (checkpoints != null) {
        checkpoints.close();
      }
      LOG.warn("refusing job '{}': {}", request.getJobName(), e.toString());
      client.writeAndFlush(
          ControlMessage.newBuilder()
              .setJobEnded(
                  JobEnded.newBuilder()
                      .setStatus("FAILED")
                      .setFailure("the coordinator refused the job: " + e.getMessage()))
              .build());
    }
  }

  /** The slots of the registered workers that have a data port, shared by the jobs. */
  private final class SharedSlots implements ClusterJob.Slots {
    @Override
    public synchronized List<RegisteredWorker> take(int needed) {
      // Workers without a data port (none announced) cannot exchange data: no tasks there.
      List<RegisteredWorker> workers =
          membership.registry().workers().stream().filter(w -> w.dataPort() > 0).toList();
      List<RegisteredWorker> placed = SlotPlacement.place(needed, workers, slotsUsed);
      for (RegisteredWorker w : placed) {
        slotsUsed.merge(w.id(), 1, Integer::sum);
      }
      return placed;
    }

    @Override
    public synchronized void release(Map<String, Integer> byWorker) {
      byWorker.forEach((w, n) -> slotsUsed.merge(w, -n, Integer::sum));
    }
  }

  /** The chains of the submitted graph, decoded with the job's own jars. */
  private List<JobVertex> chainHeads(SubmitJob request) throws IOException {
    List<URL> urls = new ArrayList<>();
    for (String sha : request.getJarSha256List()) {
      urls.add(jars.path(sha).toUri().toURL());
    }
    try (URLClassLoader userCode =
        new URLClassLoader(
            "weir-submission", urls.toArray(new URL[0]), getClass().getClassLoader())) {
      JobGraph graph = JobGraphCodec.decode(request.getJobGraph().toByteArray(), userCode);
      return TaskDeployer.chainHeads(JobGraphValidator.validate(graph));
    }
  }

  private void jobEnded(ClusterJob job) {
    jobs.remove(job.id());
  }

  /** A worker's job messages. Event loop. */
  private final class WorkerJobMessages extends SimpleChannelInboundHandler<ControlMessage> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ControlMessage m) throws IOException {
      switch (m.getBodyCase()) {
        case TASKS_PREPARED -> {
          ClusterJob job = jobs.get(m.getTasksPrepared().getJob().getJobId());
          String worker = membership.registry().workerOn(ctx.channel());
          if (job != null && worker != null) {
            job.onPrepared(worker, m.getTasksPrepared());
          }
        }
        case TASK_STATUS -> {
          ClusterJob job = jobs.get(m.getTaskStatus().getJob().getJobId());
          String worker = membership.registry().workerOn(ctx.channel());
          if (job != null && worker != null) {
            job.onTaskStatus(worker, m.getTaskStatus());
          }
        }
        case ACKNOWLEDGE_CHECKPOINT -> {
          ClusterJob job = jobs.get(m.getAcknowledgeCheckpoint().getJob().getJobId());
          String worker = membership.registry().workerOn(ctx.channel());
          if (job != null && worker != null) {
            job.onAcknowledge(worker, m.getAcknowledgeCheckpoint());
          }
        }
        case DECLINE_CHECKPOINT -> {
          ClusterJob job = jobs.get(m.getDeclineCheckpoint().getJob().getJobId());
          String worker = membership.registry().workerOn(ctx.channel());
          if (job != null && worker != null) {
            job.onDecline(worker, m.getDeclineCheckpoint());
          }
        }
        case QUIESCENCE_PROBE -> {
          ClusterJob job = jobs.get(m.getQuiescenceProbe().getJob().getJobId());
          String worker = membership.registry().workerOn(ctx.channel());
          if (job != null && worker != null) {
            job.onQuiescenceProbe(worker, m.getQuiescenceProbe());
          }
        }
        case QUIESCENCE_LOOK -> {
          ClusterJob job = jobs.get(m.getQuiescenceLook().getJob().getJobId());
          String worker = membership.registry().workerOn(ctx.channel());
          if (job != null && worker != null) {
            job.onQuiescenceLook(worker, m.getQuiescenceLook());
          }
        }
        case ATTEMPT_METRICS -> {
          ClusterJob job = jobs.get(m.getAttemptMetrics().getJob().getJobId());
          String worker = membership.registry().workerOn(ctx.channel());
          if (job != null && worker != null) {
            job.onAttemptMetrics(worker, m.getAttemptMetrics());
          }
        }
        case PROCESSING_TIME_ADVANCED -> {
          ClusterJob job = jobs.get(m.getProcessingTimeAdvanced().getJob().getJobId());
          String worker = membership.registry().workerOn(ctx.channel());
          if (job != null && worker != null) {
            job.onProcessingTimeAdvanced(worker, m.getProcessingTimeAdvanced());
          }
        }
        case FETCH_JAR -> {
          String sha = JarStore.requireDigest(m.getFetchJar().getSha256());
          Channel worker = ctx.channel();
          jars.send(
              sha,
              chunk ->
                  worker.writeAndFlush(ControlMessage.newBuilder().setJarChunk(chunk).build()));
        }
        default -> LOG.warn("unexpected message from a worker, dropped: {}", m.getBodyCase());
      }
    }
  }

  /** Answers a client's question about its jobs, or acts on one. Event loop. */
  private void answer(Channel client, JobRequest request) {
    JobReply.Builder reply = JobReply.newBuilder().setRequestId(request.getRequestId());
    if (request.getKind() == JobRequest.Kind.KIND_LIST) {
      for (ClusterJob job : jobs.values()) {
        reply.addJobs(job.info(false));
      }
      client.writeAndFlush(ControlMessage.newBuilder().setJobReply(reply).build());
      return;
    }
    ClusterJob job = jobs.get(request.getJobId());
    if (job == null) {
      reply.setError(
          "no job '"
              + request.getJobId()
              + "' runs on this coordinator (weir list shows those that do)");
      client.writeAndFlush(ControlMessage.newBuilder().setJobReply(reply).build());
      return;
    }
    switch (request.getKind()) {
      case KIND_STATUS -> reply.addJobs(job.info(true));
      case KIND_CANCEL -> {
        job.cancel();
        reply.addJobs(job.info(false));
      }
      case KIND_SAVEPOINT, KIND_STOP -> {
        job.savepoint(request.getKind() == JobRequest.Kind.KIND_STOP)
            .whenComplete(
                (savepoint, error) -> {
                  if (error != null) {
                    Throwable cause =
                        error instanceof java.util.concurrent.CompletionException
                                && error.getCause() != null
                            ? error.getCause()
                            : error;
                    reply.setError(String.valueOf(cause.getMessage()));
                  } else {
                    reply
                        .setSavepointPath(savepoint.folder().toString())
                        .setSavepointId(savepoint.id())
                        .setSavepointBytes(savepoint.sizeBytes());
                  }
                  client.writeAndFlush(ControlMessage.newBuilder().setJobReply(reply).build());
                });
        return;
      }
      default -> reply.setError("unknown request " + request.getKind());
    }
    client.writeAndFlush(ControlMessage.newBuilder().setJobReply(reply).build());
  }

  /** A client's messages. Event loop. */
  private final class ClientMessages extends SimpleChannelInboundHandler<ControlMessage> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ControlMessage m) throws IOException {
      switch (m.getBodyCase()) {
        case JAR_CHUNK -> jars.accept(m.getJarChunk());
        case SUBMIT_JOB -> {
          SubmitJob request = m.getSubmitJob();
          Channel client = ctx.channel();
          scheduler.execute(() -> submit(request, client));
        }
        case CANCEL_JOB -> {
          ClusterJob job = jobs.get(m.getCancelJob().getJob().getJobId());
          if (job != null) {
            job.cancel();
          }
        }
        case JOB_REQUEST -> answer(ctx.channel(), m.getJobRequest());
        default -> LOG.warn("unexpected message from a client, dropped: {}", m.getBodyCase());
      }
    }
  }
}
