package dev.weir.translation.metrics;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.model.pipeline.v1.MetricsApi;
import org.apache.beam.runners.core.metrics.BoundedTrieData;
import org.apache.beam.runners.core.metrics.DistributionData;
import org.apache.beam.runners.core.metrics.GaugeData;
import org.apache.beam.runners.core.metrics.MetricUpdates;
import org.apache.beam.runners.core.metrics.MetricUpdates.MetricUpdate;
import org.apache.beam.runners.core.metrics.MetricsContainerImpl;
import org.apache.beam.runners.core.metrics.MonitoringInfoMetricName;
import org.apache.beam.runners.core.metrics.StringSetData;
import org.apache.beam.sdk.metrics.MetricKey;
import org.apache.beam.sdk.metrics.MetricName;
import org.joda.time.Instant;

/**
 * What one process counted of a job's Beam metrics: the cumulative values of its containers, as
 * attempted (every container) and committed (containers of operators that closed). Several
 * containers may hold the same metric; {@link MergedMetrics} adds them up.
 *
 * <p>Travels as bytes from a worker through the coordinator to the job's client, in a versioned
 * format of its own; decoding checks every length and count against the bytes, so a corrupt report
 * fails with an exception instead of allocating or reading past its end. Counters, distributions,
 * gauges, string sets and bounded tries travel; histograms (not part of Beam's {@code
 * MetricQueryResults}) do not. Immutable; any thread.
 */
public record MetricsReport(MetricUpdates attempted, MetricUpdates committed) {

  /** {@code WMR1}: a Weir metrics report. */
  private static final int MAGIC = 0x574d5231;

  private static final int VERSION = 1;

  /** The cumulative values of {@code running} and {@code closed} containers. */
  static MetricsReport of(
      Iterable<MetricsContainerImpl> running, Iterable<MetricsContainerImpl> closed) {
    Updates attempted = new Updates();
    Updates committed = new Updates();
    for (MetricsContainerImpl c : closed) {
      MetricUpdates cumulative = c.getCumulative();
      attempted.add(cumulative);
      committed.add(cumulative);
    }
    for (MetricsContainerImpl c : running) {
      attempted.add(c.getCumulative());
    }
    return new MetricsReport(attempted.build(), committed.build());
  }

  /** The report as bytes. */
  public byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(MAGIC);
      out.writeInt(VERSION);
      write(attempted, out);
      write(committed, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * The report of {@code bytes}.
   *
   * @throws IllegalArgumentException if they are not a metrics report of this version
   */
  public static MetricsReport decode(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      if (bytes.length < 8 || in.readInt() != MAGIC) {
        throw new IllegalArgumentException("not a Weir metrics report");
      }
      int version = in.readInt();
      if (version != VERSION) {
        throw new IllegalArgumentException(
            "a metrics report of format version " + version + "; this Weir reads " + VERSION);
      }
      MetricUpdates attempted = read(in);
      MetricUpdates committed = read(in);
      if (in.available() > 0) {
        throw new IOException(in.available() + " bytes after its end");
      }
      return new MetricsReport(attempted, committed);
    } catch (IOException | RuntimeException e) {
      if (e instanceof IllegalArgumentException iae && iae.getCause() == null) {
        throw iae;
      }
      throw new IllegalArgumentException("a corrupt metrics report: " + e, e);
    }
  }

  private static void write(MetricUpdates updates, DataOutputStream out) throws IOException {
    List<MetricUpdate<Long>> counters = list(updates.counterUpdates());
    out.writeInt(counters.size());
    for (MetricUpdate<Long> u : counters) {
      writeKey(u.getKey(), out);
      out.writeLong(u.getUpdate());
    }
    List<MetricUpdate<DistributionData>> distributions = list(updates.distributionUpdates());
    out.writeInt(distributions.size());
    for (MetricUpdate<DistributionData> u : distributions) {
      writeKey(u.getKey(), out);
      DistributionData d = u.getUpdate();
      out.writeLong(d.sum());
      out.writeLong(d.count());
      out.writeLong(d.min());
      out.writeLong(d.max());
    }
    List<MetricUpdate<GaugeData>> gauges = list(updates.gaugeUpdates());
    out.writeInt(gauges.size());
    for (MetricUpdate<GaugeData> u : gauges) {
      writeKey(u.getKey(), out);
      GaugeData g = u.getUpdate();
      boolean empty = g instanceof GaugeData.EmptyGaugeData;
      out.writeBoolean(empty);
      if (!empty) {
        out.writeLong(g.value());
        out.writeLong(g.timestamp().getMillis());
      }
    }
    List<MetricUpdate<StringSetData>> sets = list(updates.stringSetUpdates());
    out.writeInt(sets.size());
    for (MetricUpdate<StringSetData> u : sets) {
      writeKey(u.getKey(), out);
      Set<String> values = u.getUpdate().stringSet();
      out.writeInt(values.size());
      for (String v : values) {
        writeString(v, out);
      }
    }
    List<MetricUpdate<BoundedTrieData>> tries = list(updates.boundedTrieUpdates());
    out.writeInt(tries.size());
    for (MetricUpdate<BoundedTrieData> u : tries) {
      writeKey(u.getKey(), out);
      byte[] trie = u.getUpdate().toProto().toByteArray();
      out.writeInt(trie.length);
      out.write(trie);
    }
  }

  private static MetricUpdates read(DataInputStream in) throws IOException {
    Updates updates = new Updates();
    int n = count(in);
    for (int i = 0; i < n; i++) {
      updates.counters.add(MetricUpdate.create(readKey(in), in.readLong()));
    }
    n = count(in);
    for (int i = 0; i < n; i++) {
      MetricKey key = readKey(in);
      updates.distributions.add(
          MetricUpdate.create(
              key,
              DistributionData.create(in.readLong(), in.readLong(), in.readLong(), in.readLong())));
    }
    n = count(in);
    for (int i = 0; i < n; i++) {
      MetricKey key = readKey(in);
      GaugeData g =
          in.readBoolean()
              ? GaugeData.empty()
              : GaugeData.create(in.readLong(), Instant.ofEpochMilli(in.readLong()));
      updates.gauges.add(MetricUpdate.create(key, g));
    }
    n = count(in);
    for (int i = 0; i < n; i++) {
      MetricKey key = readKey(in);
      int size = count(in);
      Set<String> values = new HashSet<>();
      for (int j = 0; j < size; j++) {
        values.add(readString(in));
      }
      updates.sets.add(MetricUpdate.create(key, StringSetData.create(values)));
    }
    n = count(in);
    for (int i = 0; i < n; i++) {
      MetricKey key = readKey(in);
      byte[] trie = in.readNBytes(count(in));
      updates.tries.add(
          MetricUpdate.create(
              key, BoundedTrieData.fromProto(MetricsApi.BoundedTrie.parseFrom(trie))));
    }
    return updates.build();
  }

  private static void writeKey(MetricKey key, DataOutputStream out) throws IOException {
    String step = key.stepName();
    out.writeBoolean(step != null);
    if (step != null) {
      writeString(step, out);
    }
    MetricName name = key.metricName();
    // A system metric's name is its URN and labels; a user metric's its namespace and name.
    boolean system = name instanceof MonitoringInfoMetricName;
    out.writeBoolean(system);
    if (system) {
      writeString(((MonitoringInfoMetricName) name).getUrn(), out);
    } else {
      writeString(name.getNamespace(), out);
      writeString(name.getName(), out);
    }
    Map<String, String> labels = name.getLabels();
    out.writeInt(labels.size());
    for (Map.Entry<String, String> label : labels.entrySet()) {
      writeString(label.getKey(), out);
      writeString(label.getValue(), out);
    }
  }

  private static MetricKey readKey(DataInputStream in) throws IOException {
    String step = in.readBoolean() ? readString(in) : null;
    boolean system = in.readBoolean();
    String urnOrNamespace = readString(in);
    String name = system ? null : readString(in);
    int labels = count(in);
    Map<String, String> labelMap = new LinkedHashMap<>();
    for (int i = 0; i < labels; i++) {
      labelMap.put(readString(in), readString(in));
    }
    MetricName metricName;
    if (system) {
      if (urnOrNamespace.isEmpty()) {
        throw new IOException("a system metric without a URN");
      }
      metricName = MonitoringInfoMetricName.named(urnOrNamespace, labelMap);
    } else if (labels == 0) {
      metricName = MetricName.named(urnOrNamespace, name);
    } else {
      metricName = MetricName.named(urnOrNamespace, name, labelMap);
    }
    return MetricKey.create(step, metricName);
  }

  private static void writeString(String s, DataOutputStream out) throws IOException {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(utf8.length);
    out.write(utf8);
  }

  private static String readString(DataInputStream in) throws IOException {
    return new String(in.readNBytes(count(in)), StandardCharsets.UTF_8);
  }

  /** A count or length read from the bytes: never more than the bytes left could hold. */
  private static int count(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > in.available()) {
      throw new IOException("a count of " + n + " where " + in.available() + " bytes are left");
    }
    return n;
  }

  private static <T> List<T> list(Iterable<T> items) {
    List<T> list = new ArrayList<>();
    items.forEach(list::add);
    return list;
  }

  /** Updates gathered kind by kind. */
  private static final class Updates {
    final List<MetricUpdate<Long>> counters = new ArrayList<>();
    final List<MetricUpdate<DistributionData>> distributions = new ArrayList<>();
    final List<MetricUpdate<GaugeData>> gauges = new ArrayList<>();
    final List<MetricUpdate<StringSetData>> sets = new ArrayList<>();
    final List<MetricUpdate<BoundedTrieData>> tries = new ArrayList<>();

    void add(MetricUpdates u) {
      u.counterUpdates().forEach(counters::add);
      u.distributionUpdates().forEach(distributions::add);
      u.gaugeUpdates().forEach(gauges::add);
      u.stringSetUpdates().forEach(sets::add);
      u.boundedTrieUpdates().forEach(tries::add);
    }

    MetricUpdates build() {
      return MetricUpdates.create(counters, distributions, gauges, sets, tries, List.of());
    }
  }
}
