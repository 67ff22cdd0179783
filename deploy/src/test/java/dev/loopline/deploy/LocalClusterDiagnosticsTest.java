package dev.loopline.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What a dead process's log contributes to a start failure's message. */
class LocalClusterDiagnosticsTest {

  @Test
  void firstErrorsPicksErrorLinesExceptionsAndCausesInOrder() {
    List<String> log =
        List.of(
            "19:03:18.070 INFO  [main] o.a.f.r.t.TaskManagerRunner - Starting TaskManager",
            "19:03:18.582 WARN  [main] o.a.flink.core.plugin.PluginConfig - no plugins",
            "19:03:19.001 ERROR [main] o.a.f.r.t.TaskManagerRunner - Fatal error occurred",
            "org.apache.flink.util.FlinkException: Failed to start the TaskManagerRunner.",
            "\tat org.apache.flink.runtime.taskexecutor.TaskManagerRunner.main(TaskManagerRunner.java:1)",
            "Caused by: java.net.BindException: Address already in use",
            "java.lang.OutOfMemoryError",
            "\"Jvm Terminator\" daemon prio=5 Id=13 TIMED_WAITING",
            "\tat java.base@17.0.15/java.lang.Thread.sleep(Native Method)");
    assertThat(LocalCluster.firstErrors(log, 10))
        .containsExactly(log.get(2), log.get(3), log.get(5), log.get(6));
    assertThat(LocalCluster.firstErrors(log, 2)).containsExactly(log.get(2), log.get(3));
    assertThat(LocalCluster.firstErrors(log.subList(0, 2), 10)).isEmpty();
  }
}
