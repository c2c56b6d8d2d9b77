package dev.weir.cluster.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.weir.cluster.protocol.v1.AcknowledgeCheckpoint;
import dev.weir.cluster.protocol.v1.ControlMessage;
import dev.weir.cluster.protocol.v1.Heartbeat;
import dev.weir.cluster.protocol.v1.JobAttempt;
import dev.weir.cluster.protocol.v1.RunningTask;
import dev.weir.cluster.protocol.v1.StateHandle;
import dev.weir.cluster.protocol.v1.SubtaskId;
import dev.weir.cluster.protocol.v1.TriggerCheckpoint;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ControlMessageTest {

  private static final JobAttempt JOB =
      JobAttempt.newBuilder().setJobId("job-1").setAttempt(3).build();

  private static List<ControlMessage> samples() {
    SubtaskId subtask = SubtaskId.newBuilder().setVertex("sum").setSubtask(1).build();
    return List.of(
        ControlMessage.newBuilder()
            .setHeartbeat(
                Heartbeat.newBuilder()
                    .setWorkerId("w-7")
                    .addRunning(RunningTask.newBuilder().setJob(JOB).setSubtask(subtask)))
            .build(),
        ControlMessage.newBuilder()
            .setTriggerCheckpoint(
                TriggerCheckpoint.newBuilder()
                    .setJob(JOB)
                    .setCheckpointId(42)
                    .setTimestampMillis(1_700_000_000_000L)
                    .setSavepoint(true))
            .build(),
        ControlMessage.newBuilder()
            .setAcknowledgeCheckpoint(
                AcknowledgeCheckpoint.newBuilder()
                    .setJob(JOB)
                    .setCheckpointId(42)
                    .setSubtask(subtask)
                    .setState(
                        StateHandle.newBuilder()
                            .setFileName("task-0003.state")
                            .setLength(3_801_660)
                            .setCrc32(0xCAFEL)))
            .build());
  }

  /** Length-prefixed frames, one message each, read back in order and equal. */
  @Test
  void messagesRoundTripThroughLengthPrefixedFrames() throws IOException {
    ByteArrayOutputStream frames = new ByteArrayOutputStream();
    for (ControlMessage m : samples()) {
      m.writeDelimitedTo(frames);
    }
    ByteArrayInputStream in = new ByteArrayInputStream(frames.toByteArray());
    for (ControlMessage expected : samples()) {
      ControlMessage read = ControlMessage.parseDelimitedFrom(in);
      assertThat(read).isEqualTo(expected);
      assertThat(read.getBodyCase()).isEqualTo(expected.getBodyCase());
    }
    assertThat(ControlMessage.parseDelimitedFrom(in)).isNull(); // end of stream
  }

  /** A frame cut short is an error, never a message with whatever fields happened to arrive. */
  @Test
  void aTruncatedFrameIsRejected() throws IOException {
    ByteArrayOutputStream frame = new ByteArrayOutputStream();
    ControlMessage.newBuilder()
        .setAcknowledgeCheckpoint(
            AcknowledgeCheckpoint.newBuilder()
                .setJob(JOB)
                .setCheckpointId(7)
                .setState(StateHandle.newBuilder().setFileName("x".repeat(100))))
        .build()
        .writeDelimitedTo(frame);
    byte[] bytes = frame.toByteArray();
    byte[] cut = Arrays.copyOf(bytes, bytes.length - 10);
    assertThatThrownBy(() -> ControlMessage.parseDelimitedFrom(new ByteArrayInputStream(cut)))
        .isInstanceOf(InvalidProtocolBufferException.class);
  }

  @Test
  void bytesFieldsKeepEveryByte() throws IOException {
    byte[] graph = new byte[256];
    for (int i = 0; i < graph.length; i++) {
      graph[i] = (byte) i;
    }
    ControlMessage submit =
        ControlMessage.newBuilder()
            .setSubmitJob(
                dev.weir.cluster.protocol.v1.SubmitJob.newBuilder()
                    .setJobName("wordcount")
                    .setJobGraph(ByteString.copyFrom(graph)))
            .build();
    ControlMessage read = ControlMessage.parseFrom(submit.toByteArray());
    assertThat(read.getSubmitJob().getJobGraph().toByteArray()).isEqualTo(graph);
  }
}
