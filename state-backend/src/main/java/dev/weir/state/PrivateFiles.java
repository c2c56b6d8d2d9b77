package dev.weir.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Folders and files only their owner can read or change: checkpoints and RocksDB state hold the
 * job's data, and a folder someone else controls could be read, or have a forged checkpoint planted
 * in it. On POSIX file systems new folders are created 0700 and files 0600; elsewhere the
 * platform's defaults apply.
 */
public final class PrivateFiles {

  private static final Set<PosixFilePermission> OWNER_ONLY_FOLDER =
      PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> OWNER_ONLY_FILE =
      PosixFilePermissions.fromString("rw-------");

  private PrivateFiles() {}

  /**
   * Makes sure {@code dir} exists and belongs to this process's user alone: creates it (and missing
   * parents) 0700, or checks an existing one.
   *
   * @throws IOException naming the folder, why it is refused and what to do, when it is owned by
   *     another user or writable by group or others
   */
  public static void prepareDirectory(Path dir, String option) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      createDirectories(dir);
      return;
    }
    if (!Files.isDirectory(dir) || !isPosix(dir)) {
      // Not a folder: what is written there fails, naming it (a failed checkpoint). Off POSIX
      // there are no owner-only permissions to check.
      return;
    }
    String me = System.getProperty("user.name");
    String owner = Files.getOwner(dir).getName();
    if (!owner.equals(me)) {
      throw new IOException(
          "refusing to use "
              + dir
              + ": it belongs to "
              + owner
              + ", not to "
              + me
              + ", who could read or plant state in it. Choose a folder of your own with "
              + option);
    }
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
    if (perms.contains(PosixFilePermission.GROUP_WRITE)
        || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
      throw new IOException(
          "refusing to use "
              + dir
              + ": it is writable by group or others ("
              + PosixFilePermissions.toString(perms)
              + "), who could plant state in it. Run 'chmod 700 "
              + dir
              + "' or choose another folder with "
              + option);
    }
  }

  /** Creates {@code dir} and any missing parents, 0700 on POSIX file systems. */
  public static Path createDirectories(Path dir) throws IOException {
    Path existing = dir.toAbsolutePath();
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing != null && isPosix(existing)) {
      return Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FOLDER));
    }
    return Files.createDirectories(dir);
  }

  /** The attributes of a new file only its owner may read and write (none off POSIX). */
  public static FileAttribute<?>[] ownerOnlyFile(Path folder) {
    return isPosix(folder)
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE)}
        : new FileAttribute<?>[0];
  }

  private static boolean isPosix(Path p) {
    return p.getFileSystem().supportedFileAttributeViews().contains("posix");
  }
}
