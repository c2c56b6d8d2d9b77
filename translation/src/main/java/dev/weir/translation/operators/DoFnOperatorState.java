package dev.weir.translation.operators;

import dev.weir.state.KeyedStateBackend;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.values.WindowedValue;

/**
 * The operator state of a DoFn operator, as bytes: whether it has side inputs and then their panes,
 * the elements waiting for side inputs, and the elements held for {@code @RequiresStableInput}
 * (those of a DoFn that is not keyed; a keyed DoFn keeps both lists in keyed state). Elements are
 * written with the step's input coder.
 */
final class DoFnOperatorState {

  private DoFnOperatorState() {}

  /** What {@link #read} found, besides the side-input panes it restored. */
  record Restored<T>(List<KeyedElement<T>> waiting, List<KeyedElement<T>> held) {}

  /**
   * The bytes of the state, or {@code null} when there is nothing to keep.
   *
   * @param sideInputs the step's side inputs, or {@code null} when it has none
   * @param coder the step's input coder, or {@code null} when unknown (then both lists must be
   *     empty)
   */
  /**
   * Version 2 begins with this byte and the version; version 1 (still read) began with the
   * side-input flag, 0 or 1.
   */
  private static final int FORMAT_MARKER = 0xD0;

  private static final int VERSION = 2;

  static <T> byte[] write(
      String stepName,
      SideInputs sideInputs,
      List<KeyedElement<T>> waiting,
      List<KeyedElement<T>> held,
      Coder<WindowedValue<T>> coder)
      throws IOException {
    if (sideInputs == null && waiting.isEmpty() && held.isEmpty()) {
      return null;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeByte(FORMAT_MARKER);
    out.writeByte(VERSION);
    out.writeBoolean(sideInputs != null);
    if (sideInputs != null) {
      sideInputs.snapshot(out);
    }
    KeyedElement.writeAll(
        out,
        waiting,
        waiting.isEmpty()
            ? null
            : require(coder, stepName, "the elements waiting for its side inputs"));
    out.writeBoolean(!held.isEmpty());
    if (!held.isEmpty()) {
      KeyedElement.writeAll(
          out, held, require(coder, stepName, "elements held for @RequiresStableInput"));
    }
    out.flush();
    return bytes.toByteArray();
  }

  /**
   * Reads what {@link #write} wrote, restoring side-input panes into {@code sideInputs}. Keyed
   * elements must belong to {@code keyed}'s key groups: operator state does not move between
   * subtasks by key.
   */
  static <T> Restored<T> read(
      byte[] state,
      String stepName,
      SideInputs sideInputs,
      KeyedStateBackend<?> keyed,
      Coder<WindowedValue<T>> coder)
      throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(state));
    int first = in.readUnsignedByte();
    boolean hasSideInputs;
    if (first == FORMAT_MARKER) {
      int version = in.readUnsignedByte();
      if (version != VERSION) {
        throw new IOException(
            "the operator state of step '"
                + stepName
                + "' has format version "
                + version
                + "; this Weir reads version "
                + VERSION);
      }
      hasSideInputs = in.readBoolean();
    } else if (first <= 1) {
      hasSideInputs = first == 1; // version 1 began with this flag
    } else {
      throw new IOException("the operator state of step '" + stepName + "' is corrupt");
    }
    if (hasSideInputs) {
      if (sideInputs == null) {
        throw new IllegalStateException(
            "step '" + stepName + "' was restored with side inputs it no longer has");
      }
      sideInputs.restore(in);
    }
    List<KeyedElement<T>> waiting = KeyedElement.readAll(in, coder);
    KeyedElement.requireOwnKeys(
        waiting,
        keyed,
        stepName,
        "elements waiting for side inputs; restore it at the parallelism it had, or take the"
            + " savepoint once its side inputs are ready");
    List<KeyedElement<T>> held = List.of();
    if (in.available() > 0 && in.readBoolean()) {
      held =
          KeyedElement.readAll(
              in, require(coder, stepName, "elements held for @RequiresStableInput"));
      KeyedElement.requireOwnKeys(
          held,
          keyed,
          stepName,
          "elements held for @RequiresStableInput; restore it at the parallelism it had");
    }
    return new Restored<>(waiting, held);
  }

  /** {@code coder}, which the step needs to store {@code what}. */
  static <T> Coder<WindowedValue<T>> require(
      Coder<WindowedValue<T>> coder, String stepName, String what) {
    if (coder == null) {
      throw new IllegalStateException(
          "step '" + stepName + "' cannot snapshot " + what + ": no input coder");
    }
    return coder;
  }
}
