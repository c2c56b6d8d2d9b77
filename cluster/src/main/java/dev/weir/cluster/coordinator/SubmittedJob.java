package dev.weir.cluster.coordinator;

import com.google.protobuf.ByteString;
import dev.weir.cluster.membership.RegisteredWorker;
import dev.weir.cluster.protocol.v1.JobAttempt;
import dev.weir.cluster.protocol.v1.JobSettings;
import dev.weir.cluster.protocol.v1.PrepareTasks;
import dev.weir.cluster.protocol.v1.TaskLocation;
import dev.weir.engine.cluster.EngineConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A job as a client submitted it, the same for each of its attempts: its graph and jars as shipped,
 * its chains (a head's name and parallelism each), its settings, and the savepoint it starts from.
 * What each attempt's workers are told to prepare is made from it. Immutable.
 *
 * @param initialRestore the savepoint the job starts from until it has a checkpoint of its own, or
 *     null
 */
record SubmittedJob(
    String id,
    String name,
    ByteString graph,
    List<String> jars,
    List<Chain> chains,
    JobSettings settingsMessage,
    EngineConfig settings,
    Path initialRestore) {

  /** A chain of the job's graph: its head's name and parallelism. */
  record Chain(String head, int parallelism) {}

  SubmittedJob {
    jars = List.copyOf(jars);
    chains = List.copyOf(chains);
  }

  /** Slots the job needs: one per subtask of its widest chain. */
  int slotsNeeded() {
    return chains.stream().mapToInt(Chain::parallelism).max().orElse(0);
  }

  /** Subtask {@code i} of every chain on the worker of slot {@code i}. */
  List<AttemptTasks.Placed> place(List<RegisteredWorker> slots) {
    List<AttemptTasks.Placed> placed = new ArrayList<>();
    for (Chain c : chains) {
      for (int i = 0; i < c.parallelism(); i++) {
        placed.add(new AttemptTasks.Placed(c.head(), i, slots.get(i)));
      }
    }
    return placed;
  }

  /**
   * What one worker of {@code attempt} is told to prepare: its {@code subtasks}, where every task
   * of the attempt runs, where checkpoints go, and what to restore ({@code restore}, or nothing).
   */
  PrepareTasks prepareTasks(
      JobAttempt attempt,
      List<TaskLocation> placement,
      List<AttemptTasks.Placed> subtasks,
      String checkpointFolder,
      Path restore) {
    PrepareTasks.Builder prepare =
        PrepareTasks.newBuilder()
            .setJob(attempt)
            .setJobName(name)
            .setJobGraph(graph)
            .addAllJarSha256(jars)
            .addAllPlacement(placement)
            .setSettings(settingsMessage)
            .setCheckpointFolder(checkpointFolder)
            .setRestorePath(restore == null ? "" : restore.toString());
    for (AttemptTasks.Placed p : subtasks) {
      prepare.addSubtasks(p.id());
    }
    return prepare.build();
  }
}
