package dev.weir.cluster.coordinator;

import dev.weir.cluster.membership.CoordinatorMembership;
import dev.weir.cluster.membership.HeartbeatSettings;
import dev.weir.cluster.membership.RegisteredWorker;
import dev.weir.cluster.protocol.v1.ControlMessage;
import dev.weir.cluster.protocol.v1.JobEnded;
import dev.weir.cluster.protocol.v1.JobSubmitted;
import dev.weir.cluster.protocol.v1.SubmitJob;
import dev.weir.cluster.transport.ClusterTransport;
import dev.weir.cluster.transport.ControlFraming;
import dev.weir.cluster.usercode.JarStore;
import dev.weir.engine.cluster.TaskDeployer;
import dev.weir.engine.graph.JobGraph;
import dev.weir.engine.graph.JobGraphCodec;
import dev.weir.engine.graph.JobGraphValidator;
import dev.weir.engine.graph.JobVertex;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
  private final ExecutorService submissions;
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
    this.submissions =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "weir-coordinator-submissions");
              t.setDaemon(true);
              return t;
            });
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
    submissions.shutdownNow();
    try {
      submissions.awaitTermination(10, TimeUnit.SECONDS);
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
    try {
      for (String sha : request.getJarSha256List()) {
        if (!jars.has(JarStore.requireDigest(sha))) {
          throw new IllegalArgumentException("jar " + sha + " was not uploaded before the job");
        }
      }
      List<JobVertex> heads = chainHeads(request);
      int needed = heads.stream().mapToInt(JobVertex::parallelism).max().orElse(0);
      ClusterJob job;
      synchronized (slotsUsed) {
        List<RegisteredWorker> slots =
            SlotPlacement.place(needed, membership.registry().workers(), slotsUsed);
        List<ClusterJob.Placed> placed = new ArrayList<>();
        for (JobVertex head : heads) {
          for (int i = 0; i < head.parallelism(); i++) {
            placed.add(new ClusterJob.Placed(head.name(), i, slots.get(i)));
          }
        }
        job =
            new ClusterJob(
                id,
                request.getJobName(),
                request.getJobGraph().toByteArray(),
                request.getJarSha256List(),
                client,
                placed,
                membership.registry(),
                this::jobEnded);
        job.slotsByWorker().forEach((w, n) -> slotsUsed.merge(w, n, Integer::sum));
      }
      jobs.put(id, job);
      client.writeAndFlush(
          ControlMessage.newBuilder()
              .setJobSubmitted(JobSubmitted.newBuilder().setJobId(id))
              .build());
      job.deploy();
    } catch (Exception | LinkageError e) {
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
    synchronized (slotsUsed) {
      job.slotsByWorker().forEach((w, n) -> slotsUsed.merge(w, -n, Integer::sum));
    }
    jobs.remove(job.id());
  }

  /** A worker's job messages. Event loop. */
  private final class WorkerJobMessages extends SimpleChannelInboundHandler<ControlMessage> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ControlMessage m) throws IOException {
      switch (m.getBodyCase()) {
        case TASKS_PREPARED -> {
          ClusterJob job = jobs.get(m.getTasksPrepared().getJob().getJobId());
          if (job != null) {
            job.onPrepared(m.getTasksPrepared());
          }
        }
        case TASK_STATUS -> {
          ClusterJob job = jobs.get(m.getTaskStatus().getJob().getJobId());
          if (job != null) {
            job.onTaskStatus(m.getTaskStatus());
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

  /** A client's messages. Event loop. */
  private final class ClientMessages extends SimpleChannelInboundHandler<ControlMessage> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ControlMessage m) throws IOException {
      switch (m.getBodyCase()) {
        case JAR_CHUNK -> jars.accept(m.getJarChunk());
        case SUBMIT_JOB -> {
          SubmitJob request = m.getSubmitJob();
          Channel client = ctx.channel();
          submissions.execute(() -> submit(request, client));
        }
        case CANCEL_JOB -> {
          ClusterJob job = jobs.get(m.getCancelJob().getJob().getJobId());
          if (job != null) {
            job.cancel();
          }
        }
        default -> LOG.warn("unexpected message from a client, dropped: {}", m.getBodyCase());
      }
    }
  }
}
