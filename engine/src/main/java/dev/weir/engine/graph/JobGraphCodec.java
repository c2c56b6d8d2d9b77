package dev.weir.engine.graph;

import dev.weir.state.serialization.TypeSerializer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * A job graph as bytes, to ship it to another process: a versioned format of its own for the
 * graph's shape (vertices, edges, their settings), with the user code in it (sources, operator
 * factories, key selectors, serializers) as Java-serialized objects, each in its own length-
 * prefixed field and read back through the job's class loader.
 *
 * <p>Java deserialization runs user code's {@code readObject}; bytes are decoded only when they
 * come from a peer that proved it holds the cluster's secret (or from this process), the same trust
 * as running the job's jars. Any thread.
 */
public final class JobGraphCodec {

  /** {@code WJG1}: a Weir job graph. */
  private static final int MAGIC = 0x574a4731;

  /** Raised when the layout changes; a reader refuses versions it does not know. */
  public static final int VERSION = 1;

  private JobGraphCodec() {}

  /**
   * The bytes of {@code graph}.
   *
   * @throws IllegalArgumentException naming the vertex or edge whose user code is not serializable
   */
  public static byte[] encode(JobGraph graph) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(MAGIC);
      out.writeInt(VERSION);
      out.writeUTF(graph.name());
      Long manualClock = graph.manualProcessingTimeStart();
      out.writeBoolean(manualClock != null);
      if (manualClock != null) {
        out.writeLong(manualClock);
      }
      out.writeInt(graph.vertices().size());
      for (JobVertex v : graph.vertices()) {
        out.writeUTF(v.name());
        out.writeBoolean(v.isSource());
        out.writeInt(v.parallelism());
        out.writeInt(v.maxParallelism());
        out.writeBoolean(v.chainingAllowed());
        String where = graph.name() + "', " + v;
        writeObject(out, v.isSource() ? v.source() : v.operatorFactory(), where);
        writeObject(out, v.keySerializer(), where + "'s key serializer");
      }
      out.writeInt(graph.edges().size());
      for (JobEdge e : graph.edges()) {
        out.writeInt(e.source().id());
        out.writeInt(e.target() == null ? -1 : e.target().id());
        out.writeUTF(e.targetName());
        out.writeUTF(e.partitioning().name());
        String where = graph.name() + "', the edge " + e.source().name() + " -> " + e.targetName();
        writeObject(out, e.keySelector(), where + " (its key selector)");
        writeObject(out, e.serializer(), where + " (its serializer)");
        out.writeInt(e.sourceOutput());
        out.writeInt(e.targetInput());
        out.writeBoolean(e.isExcludedFromWatermark());
        out.writeInt(e.encodeWhenChainedEvery());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static void writeObject(DataOutputStream out, Object o, String where) throws IOException {
    if (o == null) {
      out.writeInt(-1);
      return;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (ObjectOutputStream objects = new ObjectOutputStream(bytes)) {
      objects.writeObject(o);
    } catch (NotSerializableException e) {
      throw new IllegalArgumentException(
          "job '"
              + where
              + " cannot be shipped: "
              + e.getMessage()
              + " is not serializable (everything a job's user code refers to must be)",
          e);
    }
    out.writeInt(bytes.size());
    bytes.writeTo(out);
  }

  /**
   * The graph of {@code bytes}, its user code loaded through {@code userCode}.
   *
   * @throws IllegalArgumentException if the bytes are not a job graph of a known version, or a
   *     class of its user code is missing (named, with the vertex or edge)
   */
  public static JobGraph decode(byte[] bytes, ClassLoader userCode) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      if (in.readInt() != MAGIC) {
        throw new IllegalArgumentException("not a Weir job graph");
      }
      int version = in.readInt();
      if (version != VERSION) {
        throw new IllegalArgumentException(
            "a job graph of format version "
                + version
                + "; this Weir reads version "
                + VERSION
                + ": submit with the same Weir release");
      }
      JobGraph graph = new JobGraph(in.readUTF());
      if (in.readBoolean()) {
        graph.useManualProcessingTime(in.readLong());
      }
      int vertices = count(in, bytes.length);
      for (int i = 0; i < vertices; i++) {
        String name = in.readUTF();
        boolean source = in.readBoolean();
        int parallelism = in.readInt();
        int maxParallelism = in.readInt();
        boolean chaining = in.readBoolean();
        String where = "job '" + graph.name() + "', vertex '" + name + "'";
        Object code = readObject(in, userCode, where);
        JobVertex v =
            source
                ? graph.addSource(name, (dev.weir.engine.source.Source<?>) code, parallelism)
                : graph.addOperator(name, (OperatorFactory<?, ?>) code, parallelism);
        v.maxParallelism(maxParallelism);
        if (!chaining) {
          v.disableChaining();
        }
        v.keySerializer((TypeSerializer<?>) readObject(in, userCode, where));
      }
      int edges = count(in, bytes.length);
      for (int i = 0; i < edges; i++) {
        JobVertex from = vertex(graph, in.readInt());
        int to = in.readInt();
        String targetName = in.readUTF();
        JobEdge e =
            to < 0
                ? graph.connect(from.name(), targetName)
                : graph.connect(from, vertex(graph, to));
        Partitioning partitioning = Partitioning.valueOf(in.readUTF());
        String where = "job '" + graph.name() + "', the edge " + from.name() + " -> " + targetName;
        KeySelector<Object, Object> keySelector = cast(readObject(in, userCode, where));
        switch (partitioning) {
          case FORWARD -> e.forward();
          case REBALANCE -> e.rebalance();
          case BROADCAST -> e.broadcast();
          case HASH -> e.hash(keySelector);
        }
        e.serializer((TypeSerializer<?>) readObject(in, userCode, where));
        e.fromOutput(in.readInt());
        e.toInput(in.readInt());
        if (in.readBoolean()) {
          e.excludeFromWatermark();
        }
        e.encodeWhenChained(in.readInt());
      }
      if (in.read() != -1) {
        throw new IllegalArgumentException("a job graph with bytes after its end");
      }
      return graph;
    } catch (IOException | ClassCastException e) {
      throw new IllegalArgumentException("a corrupt job graph: " + e, e);
    }
  }

  @SuppressWarnings("unchecked")
  private static KeySelector<Object, Object> cast(Object o) {
    return (KeySelector<Object, Object>) o;
  }

  private static int count(DataInputStream in, int limit) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > limit) {
      throw new IOException("a count of " + n + " in " + limit + " bytes");
    }
    return n;
  }

  private static JobVertex vertex(JobGraph graph, int id) throws IOException {
    if (id < 0 || id >= graph.vertices().size()) {
      throw new IOException("an edge from or to vertex " + id + " of " + graph.vertices().size());
    }
    return graph.vertices().get(id);
  }

  private static Object readObject(DataInputStream in, ClassLoader userCode, String where)
      throws IOException {
    int length = in.readInt();
    if (length == -1) {
      return null;
    }
    if (length < 0 || length > in.available()) {
      throw new IOException(
          "a field of " + length + " bytes where " + in.available() + " are left");
    }
    byte[] field = in.readNBytes(length);
    try (ObjectInputStream objects = new UserCodeObjectInputStream(field, userCode)) {
      return objects.readObject();
    } catch (ClassNotFoundException e) {
      throw new IllegalArgumentException(
          where
              + " needs class "
              + e.getMessage()
              + ", which is not in the job's jars; ship the jar that holds it (Beam: --filesToStage)",
          e);
    }
  }

  private static final Map<String, Class<?>> PRIMITIVES =
      Map.of(
          "boolean", boolean.class,
          "byte", byte.class,
          "char", char.class,
          "short", short.class,
          "int", int.class,
          "long", long.class,
          "float", float.class,
          "double", double.class,
          "void", void.class);

  /** Resolves classes through the job's class loader, not the engine's. */
  private static final class UserCodeObjectInputStream extends ObjectInputStream {
    private final ClassLoader loader;

    UserCodeObjectInputStream(byte[] bytes, ClassLoader loader) throws IOException {
      super(new ByteArrayInputStream(bytes));
      this.loader = loader;
    }

    @Override
    protected Class<?> resolveClass(ObjectStreamClass desc)
        throws IOException, ClassNotFoundException {
      String name = desc.getName();
      Class<?> primitive = PRIMITIVES.get(name);
      // Never the engine's own loader as a fallback: a class missing from the job's jars must fail
      // here, not be found elsewhere by chance.
      return primitive != null ? primitive : Class.forName(name, false, loader);
    }
  }
}
