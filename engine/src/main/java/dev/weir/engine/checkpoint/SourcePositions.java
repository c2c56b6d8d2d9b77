package dev.weir.engine.checkpoint;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;

/**
 * Source positions in checkpoints: Java serialization, read with the class loader of the job's
 * code.
 */
public final class SourcePositions {

  private SourcePositions() {}

  public static byte[] serialize(Object position) throws IOException {
    if (position == null) {
      return null;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(position);
    } catch (NotSerializableException e) {
      throw new IOException(
          "the source position "
              + position.getClass().getName()
              + " is not serializable; SourceReader.position() must return a Serializable value",
          e);
    }
    return bytes.toByteArray();
  }

  public static Object deserialize(byte[] bytes, ClassLoader loader) throws IOException {
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes)) {
          @Override
          protected Class<?> resolveClass(ObjectStreamClass desc)
              throws IOException, ClassNotFoundException {
            try {
              return Class.forName(desc.getName(), false, loader);
            } catch (ClassNotFoundException e) {
              return super.resolveClass(desc);
            }
          }
        }) {
      return in.readObject();
    } catch (ClassNotFoundException e) {
      throw new IOException(
          "a stored source position needs class "
              + e.getMessage()
              + ", which the job's code no longer has",
          e);
    }
  }
}
