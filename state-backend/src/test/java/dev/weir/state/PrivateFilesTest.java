package dev.weir.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, point 5: state folders used to be created with default permissions in a folder shared
 * by every user of the machine, and a folder someone else had prepared was used as it was.
 */
class PrivateFilesTest {

  @TempDir Path dir;

  @BeforeEach
  void posixOnly() {
    assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
  }

  @Test
  void newFoldersAndTheirMissingParentsAreTheOwnersAlone() throws IOException {
    Path nested = dir.resolve("a/b/c");
    PrivateFiles.prepareDirectory(nested, "--checkpointDir");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(nested)))
        .isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("a"))))
        .isEqualTo("rwx------");
    Path file = nested.resolve("state");
    Files.createFile(file, PrivateFiles.ownerOnlyFile(nested));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
  }

  @Test
  void aFolderOthersCanWriteIsRefusedSayingWhatToDo() throws IOException {
    Path shared = Files.createDirectory(dir.resolve("shared"));
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
    assertThatThrownBy(() -> PrivateFiles.prepareDirectory(shared, "--checkpointDir"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("refusing to use " + shared)
        .hasMessageContaining("writable by group or others (rwxrwxrwx)")
        .hasMessageContaining("chmod 700 " + shared)
        .hasMessageContaining("--checkpointDir");

    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
    PrivateFiles.prepareDirectory(shared, "--checkpointDir"); // readable, not writable: accepted
  }

  @Test
  void aFolderOfAnotherUserIsRefused() throws IOException {
    UserPrincipal nobody;
    try {
      nobody = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
    } catch (IOException e) {
      nobody = null;
    }
    assumeTrue(nobody != null, "no user 'nobody' on this machine");
    Path theirs = Files.createDirectory(dir.resolve("theirs"));
    try {
      Files.setOwner(theirs, nobody);
    } catch (IOException notRoot) {
      assumeTrue(false, "only root can give a folder away");
    }
    assertThatThrownBy(() -> PrivateFiles.prepareDirectory(theirs, "--rocksDbDir"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("belongs to nobody")
        .hasMessageContaining("--rocksDbDir");
  }
}
