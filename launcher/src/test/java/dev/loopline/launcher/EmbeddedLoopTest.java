package dev.loopline.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loopline.config.LooplineConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EmbeddedLoopTest {

  private final List<String> events = new ArrayList<>();

  private EmbeddedLoop.Stage stage(String name, boolean fail) {
    return new EmbeddedLoop.Stage() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public EmbeddedLoop.Running start(LooplineConfig config) {
        if (fail) {
          throw new IllegalStateException(name + " failed");
        }
        events.add("start " + name + " seeing " + config.get("last.stage", "-"));
        return new EmbeddedLoop.Running(
            List.of(new EmbeddedLoop.Endpoint(name, "thing", name + ":1")),
            config.with("last.stage", name),
            () -> events.add("stop " + name));
      }
    };
  }

  @Test
  void startsInOrderPassesConfigOnAndStopsInReverse() throws Exception {
    EmbeddedLoop loop =
        EmbeddedLoop.start(
            LooplineConfig.of(Map.of()), List.of(stage("a", false), stage("b", false)));
    assertThat(loop.config().get("last.stage")).isEqualTo("b");
    assertThat(loop.endpoints())
        .extracting(EmbeddedLoop.Endpoint::where)
        .containsExactly("a:1", "b:1");
    loop.close();
    loop.close(); // idempotent
    assertThat(events).containsExactly("start a seeing -", "start b seeing a", "stop b", "stop a");
  }

  @Test
  void aFailingStageStopsTheStartedOnes() {
    assertThatThrownBy(
            () ->
                EmbeddedLoop.start(
                    LooplineConfig.of(Map.of()),
                    List.of(stage("a", false), stage("b", false), stage("c", true))))
        .hasMessage("c failed");
    assertThat(events).containsExactly("start a seeing -", "start b seeing a", "stop b", "stop a");
  }
}
