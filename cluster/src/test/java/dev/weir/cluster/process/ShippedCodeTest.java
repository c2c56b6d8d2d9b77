package dev.weir.cluster.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.cluster.client.ClusterClient;
import dev.weir.cluster.protocol.v1.JobEnded;
import dev.weir.cluster.shipped.ShippedJob;
import dev.weir.cluster.transport.ClusterSecret;
import dev.weir.engine.graph.JobGraphCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Code shipped with a job: a coordinator and two workers run without the job's classes on their
 * classpath, so the jar the client uploads is the only place they come from. Twenty jobs one after
 * another all give the right output, and afterwards no job's class loader is left on any process
 * (checked with {@code jcmd VM.classloaders} after a full GC). Every process is killed by its pid.
 */
@Timeout(300)
class ShippedCodeTest {

  @TempDir Path dir;

  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void killAll() throws InterruptedException {
    for (Process p : processes) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** The test JVM's classpath without the cluster module's test classes (the job's code). */
  private static String classpathWithoutTestClasses() throws IOException {
    List<String> entries = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      entries.add(e);
    }
    // Surefire may hand the classpath over in a jar's manifest.
    if (entries.size() == 1 && entries.get(0).endsWith(".jar")) {
      try (JarFile booter = new JarFile(entries.get(0))) {
        Manifest m = booter.getManifest();
        String cp = m == null ? null : m.getMainAttributes().getValue("Class-Path");
        if (cp != null) {
          entries.clear();
          for (String url : cp.trim().split(" +")) {
            entries.add(Path.of(URI.create(url)).toString());
          }
        }
      }
    }
    List<String> kept = new ArrayList<>();
    for (String e : entries) {
      Path p = Path.of(e).normalize();
      if (!p.endsWith(Path.of("cluster", "target", "test-classes"))) {
        kept.add(p.toString());
      }
    }
    assertThat(kept).as("the test classes were on the classpath").hasSize(entries.size() - 1);
    return String.join(java.io.File.pathSeparator, kept);
  }

  /** A jar of the job's classes, from the test classes. */
  private Path jarOfShippedJob() throws Exception {
    Path classes =
        Path.of(ShippedJob.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path jar = dir.resolve("shipped-job.jar");
    Path pkg = classes.resolve("dev/weir/cluster/shipped");
    try (OutputStream file = Files.newOutputStream(jar);
        JarOutputStream out = new JarOutputStream(file);
        Stream<Path> files = Files.list(pkg)) {
      for (Path c : files.filter(f -> f.toString().endsWith(".class")).toList()) {
        out.putNextEntry(new ZipEntry("dev/weir/cluster/shipped/" + c.getFileName()));
        try (InputStream in = Files.newInputStream(c)) {
          in.transferTo(out);
        }
        out.closeEntry();
      }
    }
    return jar;
  }

  private ProcessOutput start(String name, String classpath, Class<?> main, String... args)
      throws IOException {
    Process p = JavaProcess.start(classpath, List.of("-Xmx160m"), main, args);
    processes.add(p);
    return new ProcessOutput(p, line -> System.out.println("[" + name + "] " + line));
  }

  private static String jcmd(long pid, String command) throws Exception {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("jcmd %s: %s", command, out).isZero();
    return out;
  }

  @Test
  void twentyShippedJobsRunAndLeaveNoClassLoaderBehind() throws Exception {
    String classpath = classpathWithoutTestClasses();
    Path jar = jarOfShippedJob();
    Path secret = dir.resolve("cluster.secret");
    ClusterSecret.createFile(secret);
    ProcessOutput coordinator =
        start(
            "coordinator",
            classpath,
            CoordinatorCommand.class,
            "--port=0",
            "--secret-file=" + secret,
            "--work-dir=" + dir.resolve("coordinator"));
    int port =
        Integer.parseInt(
            coordinator
                .await("coordinator listening on 127\\.0\\.0\\.1:(\\d+)", Duration.ofSeconds(60))
                .group(1));
    for (int i = 1; i <= 2; i++) {
      start(
              "worker-" + i,
              classpath,
              WorkerCommand.class,
              "--coordinator=127.0.0.1:" + port,
              "--slots=1",
              "--secret-file=" + secret,
              "--work-dir=" + dir.resolve("worker-" + i))
          .await("registered with the coordinator", Duration.ofSeconds(60));
    }

    long n = 5_000;
    Map<String, String> expected = new TreeMap<>();
    for (long k = 0; k < ShippedJob.KEYS; k++) {
      long sum = 0;
      for (long i = k; i < n; i += ShippedJob.KEYS) {
        sum += i * i;
      }
      expected.put(Long.toString(k), Long.toString(sum));
    }
    try (ClusterClient client =
        ClusterClient.connect(
            "127.0.0.1", port, ClusterSecret.fromFile(secret), Duration.ofSeconds(30))) {
      for (int job = 1; job <= 20; job++) {
        Path out = dir.resolve("out-" + job);
        byte[] graph =
            JobGraphCodec.encode(ShippedJob.squaresPerKey("shipped-" + job, n, out.toString()));
        JobEnded ended =
            client
                .submit("shipped-" + job, graph, List.of(jar), Duration.ofSeconds(30))
                .ended()
                .get(60, TimeUnit.SECONDS);
        assertThat(ended.getStatus())
            .as("job %d: %s", job, ended.getFailure())
            .isEqualTo("FINISHED");
        Map<String, String> sums = new TreeMap<>();
        for (String line : Files.readAllLines(out.resolve("part-0.txt"))) {
          String[] kv = line.split("=");
          sums.put(kv[0], kv[1]);
        }
        assertThat(sums).as("job %d", job).isEqualTo(expected);
      }
      // Without its jar the job cannot be read: refused, naming the class and the fix.
      byte[] unshipped =
          JobGraphCodec.encode(ShippedJob.squaresPerKey("unshipped", 10, dir.toString()));
      assertThatThrownBy(
              () -> client.submit("unshipped", unshipped, List.of(), Duration.ofSeconds(30)))
          .isInstanceOf(ClusterClient.JobRefusedException.class)
          .hasMessageContaining("needs class dev.weir.cluster.shipped.ShippedJob")
          .hasMessageContaining("--filesToStage");
    }

    for (Process p : processes) {
      String loaders = "";
      // A loader closed at a job's end goes with the next full GC; give stragglers a moment.
      for (int attempt = 0; attempt < 10; attempt++) {
        jcmd(p.pid(), "GC.run");
        loaders = jcmd(p.pid(), "VM.classloaders");
        if (!loaders.contains("weir-job-") && !loaders.contains("weir-submission")) {
          break;
        }
        Thread.sleep(500);
      }
      assertThat(loaders)
          .as("class loaders of process %d", p.pid())
          .doesNotContain("weir-job-")
          .doesNotContain("weir-submission");
    }
  }
}
