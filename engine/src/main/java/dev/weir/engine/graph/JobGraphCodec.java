package dev.weir.engine.graph;

import dev.weir.engine.metrics.UserMetrics;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A job graph as bytes, to ship it to another process: a versioned format of its own for the
 * graph's shape (vertices, edges, their settings), then the user code in it (sources, operator
 * factories, key selectors, serializers, the graph's {@link UserMetrics}) as one Java object
 * stream, read back through the job's class loader. One stream, so that objects the graph's parts
 * share (say, the metrics all operators count into) are shared in the decoded graph too.
 *
 * <p>Java deserialization runs user code's {@code readObject}; bytes are decoded only when they
 * come from a peer that proved it holds the cluster's secret (or from this process), the same trust
 * as running the job's jars. Any thread.
 */
public final class JobGraphCodec {

  /** {@code WJG1}: a Weir job graph. */
  private static final int MAGIC = 0x574a4731;

  /**
   * Raised when the layout changes; a reader refuses versions it does not know. 2: user code in one
   * object stream after the shape, and the graph's user metrics.
   */
  public static final int VERSION = 2;

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
      }
      out.writeInt(graph.edges().size());
      for (JobEdge e : graph.edges()) {
        out.writeInt(e.source().id());
        out.writeInt(e.target() == null ? -1 : e.target().id());
        out.writeUTF(e.targetName());
        out.writeUTF(e.partitioning().name());
        out.writeInt(e.sourceOutput());
        out.writeInt(e.targetInput());
        out.writeBoolean(e.isExcludedFromWatermark());
        out.writeInt(e.encodeWhenChainedEvery());
      }
      ByteArrayOutputStream code = new ByteArrayOutputStream(4096);
      try (ObjectOutputStream objects = new ObjectOutputStream(code)) {
        for (JobVertex v : graph.vertices()) {
          String where = graph.name() + "', " + v;
          writeObject(objects, v.isSource() ? v.source() : v.operatorFactory(), where);
          writeObject(objects, v.keySerializer(), where + "'s key serializer");
        }
        for (JobEdge e : graph.edges()) {
          String where =
              graph.name() + "', the edge " + e.source().name() + " -> " + e.targetName();
          writeObject(objects, e.keySelector(), where + " (its key selector)");
          writeObject(objects, e.serializer(), where + " (its serializer)");
        }
        writeObject(objects, graph.userMetrics(), graph.name() + "' (its user metrics)");
      }
      out.writeInt(code.size());
      code.writeTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static void writeObject(ObjectOutputStream out, Object o, String where)
      throws IOException {
    try {
      out.writeObject(o);
    } catch (NotSerializableException e) {
      throw new IllegalArgumentException(
          "job '"
              + where
              + " cannot be shipped: "
              + e.getMessage()
              + " is not serializable (everything a job's user code refers to must be)",
          e);
    }
  }

  private record VertexShape(
      String name, boolean source, int parallelism, int maxParallelism, boolean chaining) {}

  private record EdgeShape(
      int from,
      int to,
      String targetName,
      Partitioning partitioning,
      int sourceOutput,
      int targetInput,
      boolean excludedFromWatermark,
      int encodeWhenChainedEvery) {}

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
      List<VertexShape> vertices = new ArrayList<>();
      int vertexCount = count(in, bytes.length);
      for (int i = 0; i < vertexCount; i++) {
        vertices.add(
            new VertexShape(
                in.readUTF(), in.readBoolean(), in.readInt(), in.readInt(), in.readBoolean()));
      }
      List<EdgeShape> edges = new ArrayList<>();
      int edgeCount = count(in, bytes.length);
      for (int i = 0; i < edgeCount; i++) {
        int from = index(in.readInt(), vertexCount, false);
        int to = index(in.readInt(), vertexCount, true);
        String targetName = in.readUTF();
        Partitioning partitioning = Partitioning.valueOf(in.readUTF());
        edges.add(
            new EdgeShape(
                from,
                to,
                targetName,
                partitioning,
                in.readInt(),
                in.readInt(),
                in.readBoolean(),
                in.readInt()));
      }
      int codeLength = in.readInt();
      if (codeLength < 0 || codeLength != in.available()) {
        throw new IOException(
            "user code of " + codeLength + " bytes where " + in.available() + " are left");
      }
      try (ObjectInputStream objects =
          new UserCodeObjectInputStream(in.readNBytes(codeLength), userCode)) {
        for (VertexShape shape : vertices) {
          String where = "job '" + graph.name() + "', vertex '" + shape.name() + "'";
          Object code = readObject(objects, where);
          JobVertex v =
              shape.source()
                  ? graph.addSource(
                      shape.name(), (dev.weir.engine.source.Source<?>) code, shape.parallelism())
                  : graph.addOperator(
                      shape.name(), (OperatorFactory<?, ?>) code, shape.parallelism());
          v.maxParallelism(shape.maxParallelism());
          if (!shape.chaining()) {
            v.disableChaining();
          }
          v.keySerializer((TypeSerializer<?>) readObject(objects, where));
        }
        for (EdgeShape shape : edges) {
          JobVertex from = graph.vertices().get(shape.from());
          JobEdge e =
              shape.to() < 0
                  ? graph.connect(from.name(), shape.targetName())
                  : graph.connect(from, graph.vertices().get(shape.to()));
          String where =
              "job '" + graph.name() + "', the edge " + from.name() + " -> " + shape.targetName();
          KeySelector<Object, Object> keySelector = cast(readObject(objects, where));
          switch (shape.partitioning()) {
            case FORWARD -> e.forward();
            case REBALANCE -> e.rebalance();
            case BROADCAST -> e.broadcast();
            case HASH -> e.hash(keySelector);
          }
          e.serializer((TypeSerializer<?>) readObject(objects, where));
          e.fromOutput(shape.sourceOutput());
          e.toInput(shape.targetInput());
          if (shape.excludedFromWatermark()) {
            e.excludeFromWatermark();
          }
          e.encodeWhenChained(shape.encodeWhenChainedEvery());
        }
        graph.userMetrics(
            (UserMetrics) readObject(objects, "job '" + graph.name() + "' (its user metrics)"));
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

  /** A vertex index read from the bytes; -1 (no vertex) only where {@code noneAllowed}. */
  private static int index(int id, int vertices, boolean noneAllowed) throws IOException {
    if ((id < 0 && !(noneAllowed && id == -1)) || id >= vertices) {
      throw new IOException("an edge from or to vertex " + id + " of " + vertices);
    }
    return id;
  }

  private static Object readObject(ObjectInputStream objects, String where) throws IOException {
    try {
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
