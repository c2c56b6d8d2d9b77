package dev.weir.cluster.job;

import dev.weir.cluster.protocol.v1.Failure;
import dev.weir.cluster.protocol.v1.StackFrame;
import java.lang.reflect.Constructor;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * A task's exception as a {@link Failure} message and back, so a job that fails on a worker fails
 * on its client with the same exception: its class (when the client has it and can construct it
 * with a message), message, stack trace and causes. Nothing is Java-serialized: a class is looked
 * up by name, only a {@link Throwable} subclass is constructed, and a level that cannot be rebuilt
 * becomes a {@link RemoteException} naming the original class. Causes are kept to {@link
 * #MAX_DEPTH} levels and stack traces to {@link #MAX_FRAMES} frames. Any thread.
 */
public final class FailureCodec {

  static final int MAX_DEPTH = 16;
  static final int MAX_FRAMES = 256;

  private FailureCodec() {}

  public static Failure encode(Throwable t) {
    return encode(t, 0, new IdentityHashMap<>());
  }

  private static Failure encode(Throwable t, int depth, Map<Throwable, Boolean> seen) {
    seen.put(t, true);
    Failure.Builder f = Failure.newBuilder().setClassName(t.getClass().getName());
    if (t.getMessage() != null) {
      f.setMessage(t.getMessage()).setHasMessage(true);
    }
    StackTraceElement[] trace = t.getStackTrace();
    for (int i = 0; i < Math.min(trace.length, MAX_FRAMES); i++) {
      StackTraceElement e = trace[i];
      StackFrame.Builder frame =
          StackFrame.newBuilder()
              .setClassName(e.getClassName())
              .setMethod(e.getMethodName())
              .setLine(e.getLineNumber());
      if (e.getFileName() != null) {
        frame.setFile(e.getFileName());
      }
      if (e.getModuleName() != null) {
        frame.setModule(e.getModuleName());
      }
      if (e.getModuleVersion() != null) {
        frame.setModuleVersion(e.getModuleVersion());
      }
      if (e.getClassLoaderName() != null) {
        frame.setClassLoader(e.getClassLoaderName());
      }
      f.addFrames(frame);
    }
    Throwable cause = t.getCause();
    if (cause != null && depth + 1 < MAX_DEPTH && !seen.containsKey(cause)) {
      f.setCause(encode(cause, depth + 1, seen));
    }
    return f.build();
  }

  /** The exception {@code failure} describes, its classes looked up in {@code loader}. */
  public static Throwable decode(Failure failure, ClassLoader loader) {
    return decode(failure, loader, 0);
  }

  private static Throwable decode(Failure failure, ClassLoader loader, int depth) {
    Throwable cause =
        failure.hasCause() && depth + 1 < MAX_DEPTH
            ? decode(failure.getCause(), loader, depth + 1)
            : null;
    String message = failure.getHasMessage() ? failure.getMessage() : null;
    Throwable t = construct(failure.getClassName(), message, cause, loader);
    if (t == null) {
      t = new RemoteException(failure.getClassName(), message, cause);
    }
    StackTraceElement[] trace = new StackTraceElement[failure.getFramesCount()];
    for (int i = 0; i < trace.length; i++) {
      StackFrame frame = failure.getFrames(i);
      trace[i] =
          new StackTraceElement(
              orNull(frame.getClassLoader()),
              orNull(frame.getModule()),
              orNull(frame.getModuleVersion()),
              frame.getClassName(),
              frame.getMethod(),
              orNull(frame.getFile()),
              frame.getLine());
    }
    t.setStackTrace(trace);
    return t;
  }

  /** The exception of class {@code name} with that message and cause, or null if it cannot be. */
  private static Throwable construct(
      String name, String message, Throwable cause, ClassLoader loader) {
    Class<?> type;
    try {
      type = Class.forName(name, false, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      return null;
    }
    if (!Throwable.class.isAssignableFrom(type)) {
      return null;
    }
    try {
      Throwable t;
      Constructor<?> withCause = constructor(type, String.class, Throwable.class);
      if (withCause != null) {
        t = (Throwable) withCause.newInstance(message, cause);
      } else {
        Constructor<?> withMessage = constructor(type, String.class);
        Constructor<?> withObject = constructor(type, Object.class); // AssertionError
        if (withMessage != null) {
          t = (Throwable) withMessage.newInstance(message);
        } else if (withObject != null && message != null) {
          t = (Throwable) withObject.newInstance(message);
        } else {
          return null;
        }
        if (cause != null && t.getCause() == null) {
          t.initCause(cause);
        }
      }
      // A constructor that makes its own message (or drops the one given) is not this exception.
      return java.util.Objects.equals(t.getMessage(), message) ? t : null;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return null;
    }
  }

  private static String orNull(String s) {
    return s.isEmpty() ? null : s;
  }

  private static Constructor<?> constructor(Class<?> type, Class<?>... parameters) {
    try {
      Constructor<?> c = type.getConstructor(parameters);
      return c;
    } catch (NoSuchMethodException e) {
      return null;
    }
  }

  /** An exception of a class the client does not have or cannot construct, by name. */
  public static final class RemoteException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String className;

    RemoteException(String className, String message, Throwable cause) {
      super(message == null ? className : className + ": " + message, cause);
      this.className = className;
    }

    /** The class of the exception on the worker. */
    public String className() {
      return className;
    }
  }
}
