package dev.loopline.retrain.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScheduleTest {

  private static final Instant NOW = Instant.parse("2026-05-01T12:00:00Z");

  @Test
  void intervalOrEnoughNewLabelsWhicheverFirst() {
    Schedule s = new Schedule(Duration.ofHours(6), 500);
    assertThat(s.isDue(NOW, NOW.minus(Duration.ofHours(1)), 499)).isFalse();
    assertThat(s.isDue(NOW, NOW.minus(Duration.ofHours(1)), 500)).isTrue();
    assertThat(s.isDue(NOW, NOW.minus(Duration.ofHours(6)), 1)).isTrue();
    assertThat(s.isDue(NOW, NOW.minus(Duration.ofHours(7)), 0)).as("nothing new").isFalse();
    assertThat(s.isDue(NOW, null, 3)).as("never ran").isTrue();
  }

  @Test
  void onlyNewLabels() {
    Schedule s = new Schedule(null, 100);
    assertThat(s.isDue(NOW, NOW.minus(Duration.ofDays(30)), 99)).isFalse();
    assertThat(s.isDue(NOW, NOW, 100)).isTrue();
  }

  @Test
  void parsesDurations() {
    assertThat(Schedule.parseDuration("6h")).isEqualTo(Duration.ofHours(6));
    assertThat(Schedule.parseDuration("30m")).isEqualTo(Duration.ofMinutes(30));
    assertThat(Schedule.parseDuration("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Schedule.parseDuration("2d")).isEqualTo(Duration.ofDays(2));
    assertThat(Schedule.parseDuration("PT6H")).isEqualTo(Duration.ofHours(6));
    assertThatThrownBy(() -> Schedule.parseDuration("soon")).hasMessageContaining("bad duration");
    assertThatThrownBy(() -> new Schedule(null, 0)).hasMessageContaining("--every");
  }

  @Test
  void neverTwoRunsAtOnce(@TempDir Path dir) throws Exception {
    Optional<RetrainLock> first = RetrainLock.tryAcquire(dir, "tickets");
    assertThat(first).isPresent();
    assertThat(RetrainLock.tryAcquire(dir, "tickets")).as("held by the first run").isEmpty();
    assertThat(RetrainLock.tryAcquire(dir, "other")).isPresent().get().satisfies(l -> l.close());
    first.get().close();
    Optional<RetrainLock> again = RetrainLock.tryAcquire(dir, "tickets");
    assertThat(again).isPresent();
    again.get().close();
  }
}
