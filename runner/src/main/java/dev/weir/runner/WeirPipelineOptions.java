package dev.weir.runner;

import dev.weir.engine.checkpoint.CheckpointConfig;
import dev.weir.translation.context.TranslationSettings;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.DefaultValueFactory;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.StreamingOptions;

/**
 * Options of the Weir runner: {@code --runner=WeirRunner --parallelism=4 ...}. Options that Beam's
 * Flink runner also has keep its names and its types (boxed: {@code Integer parallelism}, {@code
 * Long checkpointingInterval}, ...), because Beam checks that every registered options interface
 * agrees on a property's type: KafkaIO declares Flink's {@code Long getCheckpointingInterval()},
 * and a pipeline with the Flink runner on its classpath registers all of Flink's.
 */
public interface WeirPipelineOptions extends PipelineOptions, StreamingOptions {

  @Description(
      "Number of parallel subtasks of every transform. Defaults to the number of CPU cores.")
  @Default.InstanceFactory(CoresFactory.class)
  Integer getParallelism();

  void setParallelism(Integer parallelism);

  @Description(
      "Number of key groups: the highest parallelism keyed state can later be rescaled to. "
          + "Must be at least the parallelism and at most 32768.")
  @Default.Integer(128)
  Integer getMaxParallelism();

  void setMaxParallelism(Integer maxParallelism);

  @Description(
      "Milliseconds a partially filled network buffer may wait before it is sent: lower means less latency, "
          + "higher more throughput. 0 sends every element at once; -1 only full buffers.")
  @Default.Long(5)
  long getBufferTimeoutMillis();

  void setBufferTimeoutMillis(long millis);

  @Description("Most elements in one DoFn bundle.")
  @Default.Long(1000)
  Long getMaxBundleSize();

  void setMaxBundleSize(Long size);

  @Description("Most milliseconds one DoFn bundle stays open.")
  @Default.Long(1000)
  long getMaxBundleTimeMillis();

  void setMaxBundleTimeMillis(long millis);

  @Description(
      "Milliseconds between the starts of two checkpoints; exactly-once state and recovery from failures. "
          + "-1 (the default) takes no periodic checkpoints.")
  @Default.Long(-1)
  Long getCheckpointingInterval();

  void setCheckpointingInterval(Long millis);

  @Description(
      "Directory for checkpoints and savepoints (one folder per job run inside it). "
          + "Defaults to weir-checkpoints-<user> in the system's temporary directory. Created"
          + " private (0700); an existing folder owned by another user or writable by group or"
          + " others is refused.")
  @Default.InstanceFactory(CheckpointDirFactory.class)
  String getCheckpointDir();

  void setCheckpointDir(String dir);

  @Description("Milliseconds after which a checkpoint that has not completed is aborted.")
  @Default.Long(600_000)
  Long getCheckpointTimeoutMillis();

  void setCheckpointTimeoutMillis(Long millis);

  @Description("Least milliseconds between the end of one checkpoint and the start of the next.")
  @Default.Long(0)
  Long getMinPauseBetweenCheckpoints();

  void setMinPauseBetweenCheckpoints(Long millis);

  @Description("Completed checkpoints kept on disk; older ones are deleted (savepoints never are).")
  @Default.Integer(2)
  int getNumRetainedCheckpoints();

  void setNumRetainedCheckpoints(int n);

  @Description(
      "Steps chained in one task hand elements over without encoding them. To fail on an element"
          + " its PCollection's coder cannot encode, as Beam requires, the first element of each"
          + " chained step and one in this many after it are encoded anyway (the bytes dropped)."
          + " 1 encodes every element, as the DirectRunner's --enforceEncodability (it cost the"
          + " grep benchmark W1 60% of its throughput); 0 encodes none.")
  @Default.Integer(TranslationSettings.DEFAULT_ENCODABILITY_CHECK_INTERVAL)
  int getEncodabilityCheckInterval();

  void setEncodabilityCheckInterval(int interval);

  @Description(
      "When the newest checkpoint cannot be read at a restart or resume (a missing or corrupt"
          + " file), restore an older one instead of failing. Off by default: the newest one"
          + " completed, so sinks and sources may have committed what it covers, and an older"
          + " one can repeat or lose data.")
  @Default.Boolean(false)
  boolean getAllowCheckpointFallback();

  void setAllowCheckpointFallback(boolean allow);

  @Description(
      "How many checkpoints in a row may fail (time out, be declined by a task, fail to be"
          + " written) before the job fails over, as if a task had failed; when no restarts are"
          + " left it fails with the last checkpoint's error. 0: the first failed checkpoint fails"
          + " the job over.")
  @Default.Integer(CheckpointConfig.DEFAULT_TOLERABLE_FAILURES)
  int getTolerableCheckpointFailures();

  void setTolerableCheckpointFailures(int failures);

  @Description(
      "How often a failed job is restarted from its latest checkpoint, over its whole life, before"
          + " it fails for good. -1 (the default): without limit when checkpointing is on, never"
          + " when it is off. A restart whose restore or deployment fails counts as one.")
  @Default.Integer(-1)
  int getRestartAttempts();

  void setRestartAttempts(int attempts);

  @Description(
      "Milliseconds to wait before restarting a failed job. The delay doubles with each restart"
          + " that follows one after which the job did not run stably, up to"
          + " --maxRestartDelayMillis, and starts over once it did (it completed a checkpoint, or"
          + " ran --maxRestartDelayMillis without failing).")
  @Default.Long(1000)
  long getRestartDelayMillis();

  void setRestartDelayMillis(long millis);

  @Description(
      "The longest delay before a restart, which repeated failures back off to (see"
          + " --restartDelayMillis). Set it to --restartDelayMillis for a fixed delay.")
  @Default.Long(60_000)
  long getMaxRestartDelayMillis();

  void setMaxRestartDelayMillis(long millis);

  @Description(
      "Milliseconds a cancelled task may take to stop (when the job is cancelled, or restarts"
          + " after a failure). Past it the job ends without waiting (FAILED, or CANCELLED when a"
          + " cancel was asked for), naming the stuck thread and where it is: user code that"
          + " ignores interrupts cannot be stopped inside the JVM.")
  @Default.Long(180_000)
  long getTaskCancellationTimeoutMillis();

  void setTaskCancellationTimeoutMillis(long millis);

  @Description(
      "Where keyed state lives: heap (fastest, bounded by the heap) or rocksdb (on local disk, larger than memory).")
  @Default.String("heap")
  String getStateBackend();

  void setStateBackend(String backend);

  @Description(
      "Local directory for RocksDB state (with --stateBackend=rocksdb); one database per keyed subtask, "
          + "deleted when the job ends. Defaults to weir-rocksdb-<user> in the system's temporary"
          + " directory; private like --checkpointDir.")
  @Default.InstanceFactory(RocksDbDirFactory.class)
  String getRocksDbDir();

  void setRocksDbDir(String dir);

  /** {@code weir-rocksdb} in the temporary directory. */
  class RocksDbDirFactory implements DefaultValueFactory<String> {
    @Override
    public String create(PipelineOptions options) {
      return Path.of(System.getProperty("java.io.tmpdir"), "weir-rocksdb-" + userName()).toString();
    }
  }

  @Description(
      "Local directory where a GroupByKey of a bounded input (a batch job without checkpoints)"
          + " writes sorted runs of its groups when they outgrow a quarter of the heap, to merge"
          + " them at the end: such a GroupByKey handles input larger than memory. Private like"
          + " --checkpointDir; runs are deleted as they are read and when the job ends. Defaults to"
          + " weir-spill-<user> in the temporary directory of the process that runs the task.")
  String getSpillDir();

  void setSpillDir(String dir);

  @Description(
      "A savepoint or checkpoint folder (or a job's checkpoint folder, for its newest checkpoint) to resume the "
          + "pipeline from; transforms find their state by name, the parallelism may differ.")
  String getSavepointPath();

  void setSavepointPath(String path);

  @Description(
      "Port of the job's control endpoint on the loopback address, through which the weir command line takes "
          + "savepoints, stops the job with a savepoint, or cancels it: -1 = no endpoint, 0 = any free port (logged, and "
          + "in WeirPipelineResult.controlAddress()).")
  @Default.Integer(-1)
  int getControlPort();

  void setControlPort(int port);

  @Description(
      "host:port of a Weir coordinator: the pipeline runs on its cluster (bin/weir coordinator and"
          + " workers) instead of in this JVM; --checkpointDir must then be shared by every"
          + " machine. Control it with weir list|status|savepoint|stop|cancel --coordinator=HOST:PORT;"
          + " --savepointPath starts it from a savepoint every machine reads.")
  String getCoordinator();

  void setCoordinator(String coordinator);

  @Description(
      "The cluster's shared secret (a file only its owner can read), for --coordinator. Without it"
          + " only a coordinator without a secret on the loopback address is reached.")
  String getSecretFile();

  void setSecretFile(String file);

  @Description(
      "The cluster's PKCS12 TLS keystore, for --coordinator when the cluster runs with"
          + " --tls-keystore: the connection to the coordinator is then TLS (needs"
          + " --tlsPasswordFile).")
  String getTlsKeystore();

  void setTlsKeystore(String file);

  @Description("File whose first line is the --tlsKeystore's password.")
  String getTlsPasswordFile();

  void setTlsPasswordFile(String file);

  @Description(
      "Jars of the pipeline's code that the cluster's workers lack, shipped with the job for"
          + " --coordinator (comma-separated). The workers load them in a class loader of the job.")
  List<String> getFilesToStage();

  void setFilesToStage(List<String> files);

  /** {@code weir-checkpoints} in the temporary directory. */
  class CheckpointDirFactory implements DefaultValueFactory<String> {
    @Override
    public String create(PipelineOptions options) {
      return Path.of(System.getProperty("java.io.tmpdir"), "weir-checkpoints-" + userName())
          .toString();
    }
  }

  /** The user's name as a safe file-name part: default folders are per user. */
  private static String userName() {
    return System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]+", "_");
  }

  /** The number of CPU cores of this machine. */
  class CoresFactory implements DefaultValueFactory<Integer> {
    @Override
    public Integer create(PipelineOptions options) {
      return Runtime.getRuntime().availableProcessors();
    }
  }
}
