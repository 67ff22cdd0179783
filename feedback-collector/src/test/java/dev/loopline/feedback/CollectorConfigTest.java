package dev.loopline.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loopline.config.LooplineConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CollectorConfigTest {

  @Test
  void defaultsFollowTheIssue() {
    CollectorConfig c = CollectorConfig.defaults();
    assertThat(c.retention()).isEqualTo(Duration.ofDays(14));
    assertThat(c.implicitEnabled()).isFalse();
    assertThat(c.dlqTopic()).isEqualTo("corrections.dlq");
    assertThat(c.httpPort()).isEqualTo(8083);
  }

  @Test
  void durationsAcceptIsoAndShortForms() {
    assertThat(CollectorConfig.parseDuration("P14D")).isEqualTo(Duration.ofDays(14));
    assertThat(CollectorConfig.parseDuration("PT5M")).isEqualTo(Duration.ofMinutes(5));
    assertThat(CollectorConfig.parseDuration("36h")).isEqualTo(Duration.ofHours(36));
    assertThat(CollectorConfig.parseDuration("90m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(CollectorConfig.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(CollectorConfig.parseDuration("2500")).isEqualTo(Duration.ofMillis(2500));
  }

  @Test
  void badValuesAreOneLineConfigErrors() {
    assertThatThrownBy(
            () -> CollectorConfig.from(LooplineConfig.of(Map.of("collector.retention", "soon"))))
        .isInstanceOf(LooplineConfig.ConfigException.class)
        .hasMessageContaining("collector.retention");
    assertThatThrownBy(
            () -> CollectorConfig.from(LooplineConfig.of(Map.of("collector.retention", "0s"))))
        .isInstanceOf(LooplineConfig.ConfigException.class)
        .hasMessageContaining("positive");
    assertThatThrownBy(
            () -> CollectorConfig.from(LooplineConfig.of(Map.of("collector.http.port", "70000"))))
        .isInstanceOf(LooplineConfig.ConfigException.class);
  }
}
