package dev.weir.cluster.client;

import dev.weir.cluster.job.JobSettingsCodec;
import dev.weir.cluster.protocol.v1.CancelJob;
import dev.weir.cluster.protocol.v1.ControlMessage;
import dev.weir.cluster.protocol.v1.JobAttempt;
import dev.weir.cluster.protocol.v1.JobEnded;
import dev.weir.cluster.protocol.v1.JobReply;
import dev.weir.cluster.protocol.v1.JobRequest;
import dev.weir.cluster.protocol.v1.SubmitJob;
import dev.weir.cluster.transport.ClusterSecret;
import dev.weir.cluster.transport.ClusterTls;
import dev.weir.cluster.transport.ClusterTransport;
import dev.weir.cluster.transport.ControlFraming;
import dev.weir.cluster.transport.PeerRole;
import dev.weir.cluster.usercode.JarStore;
import dev.weir.engine.cluster.EngineConfig;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Submits jobs to a coordinator and learns how they end: uploads the job's jars, sends the job
 * graph, and completes each job's {@link SubmittedJob#ended()} when the coordinator reports its end
 * (or fails it when the connection to the coordinator is lost). One connection, authenticated as a
 * client. Any thread; submissions are one at a time.
 */
public final class ClusterClient implements AutoCloseable {

  private final ClusterTransport transport;
  private final Channel channel;
  private final String coordinator;
  private final Map<String, CompletableFuture<JobEnded>> ended = new ConcurrentHashMap<>();
  private final Map<Long, CompletableFuture<JobReply>> replies = new ConcurrentHashMap<>();
  private final AtomicLong nextRequest = new AtomicLong();
  private volatile CompletableFuture<String> pendingSubmission;

  private ClusterClient(ClusterTransport transport, String coordinator, Channel[] channel) {
    this.transport = transport;
    this.coordinator = coordinator;
    this.channel = channel[0];
  }

  /**
   * Connects to the coordinator at {@code host:port}.
   *
   * @throws dev.weir.cluster.transport.HandshakeException if it cannot be reached or refuses the
   *     secret (the message names the address and the fix)
   */
  public static ClusterClient connect(String host, int port, ClusterSecret secret, Duration timeout)
      throws InterruptedException {
    return connect(host, port, secret, ClusterTls.NONE, timeout);
  }

  /** As {@link #connect(String, int, ClusterSecret, Duration)}, over TLS when {@code tls} is on. */
  public static ClusterClient connect(
      String host, int port, ClusterSecret secret, ClusterTls tls, Duration timeout)
      throws InterruptedException {
    ClusterTransport transport = new ClusterTransport(PeerRole.CLIENT, secret, tls, timeout, 1);
    Channel[] channel = new Channel[1];
    ClusterClient[] self = new ClusterClient[1];
    try {
      ClusterTransport.Connection c =
          transport.connect(
              host,
              port,
              timeout,
              (pipeline, peer) ->
                  ControlFraming.install(
                      pipeline,
                      ControlFraming.DEFAULT_MAX_FRAME_BYTES,
                      new SimpleChannelInboundHandler<ControlMessage>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, ControlMessage m) {
                          self[0].onMessage(m);
                        }

                        @Override
                        public void channelInactive(ChannelHandlerContext ctx) {
                          ClusterClient client = self[0];
                          if (client != null) {
                            client.connectionLost();
                          }
                        }
                      }));
      channel[0] = c.channel();
    } catch (RuntimeException | InterruptedException e) {
      transport.close();
      throw e;
    }
    self[0] = new ClusterClient(transport, host + ":" + port, channel);
    if (!channel[0].isActive()) {
      self[0].connectionLost();
    }
    return self[0];
  }

  /** A job the coordinator took. */
  public record SubmittedJob(String id, CompletableFuture<JobEnded> ended, ClusterClient client) {
    /** Asks the coordinator to cancel the job; {@link #ended()} tells when it did. */
    public void cancel() {
      client.cancel(id);
    }
  }

  /**
   * Uploads {@code jars} and submits the job graph ({@code JobGraphCodec} bytes).
   *
   * @throws JobRefusedException if the coordinator refused the job (too few slots, a graph it
   *     cannot read), with its reason
   */
  public SubmittedJob submit(String name, byte[] graph, List<Path> jars, Duration timeout)
      throws IOException, InterruptedException, TimeoutException {
    return submit(name, graph, jars, EngineConfig.DEFAULT, timeout);
  }

  /**
   * As above, run with {@code settings} (exchange, checkpoints, restarts, state backend; the
   * checkpoint directory must be one the coordinator and every worker reach at the same path).
   */
  public SubmittedJob submit(
      String name, byte[] graph, List<Path> jars, EngineConfig settings, Duration timeout)
      throws IOException, InterruptedException, TimeoutException {
    return submit(name, graph, jars, settings, null, timeout);
  }

  /**
   * As above, starting from the savepoint (or retained checkpoint) in folder {@code savepoint},
   * when not null: a path the coordinator and every worker read.
   */
  public synchronized SubmittedJob submit(
      String name,
      byte[] graph,
      List<Path> jars,
      EngineConfig settings,
      Path savepoint,
      Duration timeout)
      throws IOException, InterruptedException, TimeoutException {
    List<String> digests = new ArrayList<>();
    for (Path jar : jars) {
      String sha = JarStore.sha256(jar);
      digests.add(sha);
      sendJar(jar, sha);
    }
    CompletableFuture<String> submitted = new CompletableFuture<>();
    pendingSubmission = submitted;
    if (!channel.isActive()) {
      connectionLost();
    }
    channel.writeAndFlush(
        ControlMessage.newBuilder()
            .setSubmitJob(
                SubmitJob.newBuilder()
                    .setJobName(name)
                    .setJobGraph(com.google.protobuf.ByteString.copyFrom(graph))
                    .addAllJarSha256(digests)
                    .setSavepointPath(savepoint == null ? "" : savepoint.toString())
                    .setSettings(JobSettingsCodec.encode(settings)))
            .build());
    String id;
    try {
      id = submitted.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof JobRefusedException r
          ? r
          : new IOException(e.getCause().getMessage(), e.getCause());
    } finally {
      pendingSubmission = null;
    }
    return new SubmittedJob(id, ended.computeIfAbsent(id, k -> new CompletableFuture<>()), this);
  }

  private void sendJar(Path jar, String sha) throws IOException {
    // The jar store's reader sends pieces in order; they queue on the channel.
    JarStore.sendFile(
        jar,
        sha,
        chunk -> channel.writeAndFlush(ControlMessage.newBuilder().setJarChunk(chunk).build()));
  }

  /**
   * Asks the coordinator about its jobs or acts on one ({@code weir list|status|savepoint|stop|
   * cancel}); completes with its answer, exceptionally if the connection is lost. A savepoint or
   * stop is answered once the savepoint completed.
   */
  public CompletableFuture<JobReply> request(JobRequest.Kind kind, String jobId) {
    long id = nextRequest.incrementAndGet();
    CompletableFuture<JobReply> reply = new CompletableFuture<>();
    replies.put(id, reply);
    channel.writeAndFlush(
        ControlMessage.newBuilder()
            .setJobRequest(
                JobRequest.newBuilder()
                    .setRequestId(id)
                    .setKind(kind)
                    .setJobId(jobId == null ? "" : jobId))
            .build());
    if (!channel.isActive()) {
      connectionLost();
    }
    return reply;
  }

  void cancel(String jobId) {
    channel.writeAndFlush(
        ControlMessage.newBuilder()
            .setCancelJob(CancelJob.newBuilder().setJob(JobAttempt.newBuilder().setJobId(jobId)))
            .build());
  }

  /** Event loop. */
  private void onMessage(ControlMessage m) {
    switch (m.getBodyCase()) {
      case JOB_SUBMITTED -> {
        String id = m.getJobSubmitted().getJobId();
        ended.computeIfAbsent(id, k -> new CompletableFuture<>());
        CompletableFuture<String> pending = pendingSubmission;
        if (pending != null) {
          pending.complete(id);
        }
      }
      case JOB_ENDED -> {
        JobEnded e = m.getJobEnded();
        if (e.getJobId().isEmpty()) {
          CompletableFuture<String> pending = pendingSubmission;
          if (pending != null) {
            pending.completeExceptionally(new JobRefusedException(e.getFailure()));
          }
        } else {
          ended.computeIfAbsent(e.getJobId(), k -> new CompletableFuture<>()).complete(e);
        }
      }
      case JOB_REPLY -> {
        CompletableFuture<JobReply> reply = replies.remove(m.getJobReply().getRequestId());
        if (reply != null) {
          reply.complete(m.getJobReply());
        }
      }
      default -> {}
    }
  }

  private void connectionLost() {
    IOException lost = new IOException("lost the connection to the coordinator at " + coordinator);
    for (CompletableFuture<JobReply> reply : replies.values()) {
      reply.completeExceptionally(lost);
    }
    replies.clear();
    CompletableFuture<String> pending = pendingSubmission;
    if (pending != null) {
      pending.completeExceptionally(lost);
    }
    for (CompletableFuture<JobEnded> f : ended.values()) {
      f.completeExceptionally(lost);
    }
  }

  @Override
  public void close() {
    transport.close();
  }

  /** The coordinator did not take a job; the message says why. */
  public static final class JobRefusedException extends IOException {
    private static final long serialVersionUID = 1L;

    JobRefusedException(String message) {
      super(message);
    }
  }
}
