package dev.weir.benchmarks.kafka;

import dev.weir.cluster.process.ProcessOutput;
import dev.weir.kafka.WeirKafkaIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * One running pass-through job, topic to topic: records read, passed through one identity step and
 * written, with or without exactly-once. As a Beam pipeline on WeirRunner or the DirectRunner (in
 * this JVM), or as native Flink in a JVM of its own; {@link #close} stops it.
 */
abstract class PassThroughJob implements AutoCloseable {

  /** The systems measured. */
  enum System {
    WEIR,
    DIRECT,
    FLINK
  }

  /**
   * What a run needs.
   *
   * @param shards the exactly-once sinks' shards (the output topic's partitions)
   */
  record Spec(
      String bootstrap,
      String in,
      String out,
      String group,
      int parallelism,
      boolean exactlyOnce,
      long checkpointMillis,
      int shards) {}

  static PassThroughJob start(System system, Spec spec) throws Exception {
    return system == System.FLINK ? FlinkPeer.start(spec) : BeamJob.start(system, spec);
  }

  /** The Beam pipeline, on WeirRunner or the DirectRunner. */
  static final class BeamJob extends PassThroughJob {
    private final PipelineResult result;

    private BeamJob(PipelineResult result) {
      this.result = result;
    }

    static BeamJob start(System system, Spec spec) {
      List<String> args = new ArrayList<>(List.of("--streaming=true"));
      if (system == System.WEIR) {
        args.add("--runner=WeirRunner");
        args.add("--parallelism=" + spec.parallelism());
        if (spec.exactlyOnce()) {
          args.add("--checkpointingInterval=" + spec.checkpointMillis());
        }
      } else {
        args.addAll(
            List.of(
                "--runner=DirectRunner",
                "--targetParallelism=" + spec.parallelism(),
                "--enforceImmutability=false",
                "--enforceEncodability=false",
                "--blockOnRun=false"));
      }
      Pipeline p =
          Pipeline.create(PipelineOptionsFactory.fromArgs(args.toArray(new String[0])).create());
      PCollection<KV<String, Long>> records =
          p.apply(
                  "Read",
                  KafkaIO.<String, Long>read()
                      .withBootstrapServers(spec.bootstrap())
                      .withTopic(spec.in())
                      .withKeyDeserializer(StringDeserializer.class)
                      .withValueDeserializer(LongDeserializer.class)
                      .withConsumerConfigUpdates(
                          Map.of("group.id", spec.group(), "auto.offset.reset", "earliest"))
                      .withoutMetadata())
              .apply("Identity", ParDo.of(new Identity()));
      KafkaIO.Write<String, Long> write =
          KafkaIO.<String, Long>write()
              .withBootstrapServers(spec.bootstrap())
              .withTopic(spec.out())
              .withKeySerializer(StringSerializer.class)
              .withValueSerializer(LongSerializer.class)
              .withProducerConfigUpdates(Map.of("linger.ms", 5));
      if (!spec.exactlyOnce()) {
        records.apply("Write", write);
      } else if (system == System.WEIR) {
        records.apply(
            "Write", WeirKafkaIO.exactlyOnce(write.withEOS(spec.shards(), spec.group() + "-sink")));
      } else {
        records.apply("Write", write.withEOS(spec.shards(), spec.group() + "-sink"));
      }
      return new BeamJob(p.run());
    }

    @Override
    public void close() throws IOException {
      result.cancel();
    }
  }

  /** Records passed on unchanged (the step the Flink job has too). */
  static final class Identity extends DoFn<KV<String, Long>, KV<String, Long>> {
    @ProcessElement
    public void process(@Element KV<String, Long> record, OutputReceiver<KV<String, Long>> out) {
      out.output(record);
    }
  }

  /**
   * Native Flink in a JVM of its own ({@code benchmarks-flink-kafka}: Flink's Kafka connector needs
   * kafka-clients 4.x, KafkaIO 3.9), on the class path that module's build wrote. Stopped by its
   * process id.
   */
  static final class FlinkPeer extends PassThroughJob {
    private final Process process;

    private FlinkPeer(Process process) {
      this.process = process;
    }

    static FlinkPeer start(Spec spec) throws Exception {
      String module = java.lang.System.getProperty("weir.flinkKafka.module");
      if (module == null) {
        throw new IllegalStateException(
            "set -Dweir.flinkKafka.module to the benchmarks-flink-kafka folder (the benchmarks"
                + " pom's exec:exec does)");
      }
      Path classpathFile = Path.of(module, "target", "runtime-classpath.txt");
      Path classes = Path.of(module, "target", "classes");
      if (!Files.isRegularFile(classpathFile) || !Files.isDirectory(classes)) {
        throw new IllegalStateException(
            "no "
                + classpathFile
                + ": build the peer first (mvn -B -q install -DskipTests from the top)");
      }
      String classpath = classes + ":" + Files.readString(classpathFile).trim();
      List<String> command =
          new ArrayList<>(
              List.of(
                  Path.of(java.lang.System.getProperty("java.home"), "bin", "java").toString(),
                  "-Xmx2g",
                  "-XX:+UseParallelGC",
                  "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                  "-cp",
                  classpath,
                  "dev.weir.benchmarks.flinkkafka.FlinkKafkaPassThrough",
                  "--bootstrap=" + spec.bootstrap(),
                  "--in=" + spec.in(),
                  "--out=" + spec.out(),
                  "--group=" + spec.group(),
                  "--parallelism=" + spec.parallelism(),
                  "--checkpoint-ms=" + spec.checkpointMillis()));
      if (spec.exactlyOnce()) {
        command.add("--exactly-once");
      }
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      FlinkPeer peer = new FlinkPeer(process);
      try {
        new ProcessOutput(process, line -> java.lang.System.err.println("[flink] " + line))
            .await("^flink job running$", Duration.ofMinutes(2));
      } catch (Exception e) {
        peer.close();
        throw e;
      }
      return peer;
    }

    @Override
    public void close() {
      process.destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
