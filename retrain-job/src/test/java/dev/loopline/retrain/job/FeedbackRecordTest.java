package dev.loopline.retrain.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class FeedbackRecordTest {

  private static FeedbackRecord rec(String label, long labeledAt, int partition, long offset) {
    return FeedbackRecord.of(
        "e1", "text", Map.of("k", "v"), 1000L, label, "TRIAGE", labeledAt, partition, offset);
  }

  @Test
  void latestLabelWinsWhateverTheOrder() {
    LatestLabel reduce = new LatestLabel();
    FeedbackRecord early = rec("Billing", 10, 0, 5);
    FeedbackRecord late = rec("Shipping", 20, 0, 3);
    assertThat(reduce.reduce(early, late).label).isEqualTo("Shipping");
    assertThat(reduce.reduce(late, early).label).isEqualTo("Shipping");
  }

  @Test
  void tiesGoToTheLaterOffsetAndKafkaBeatsBootstrap() {
    LatestLabel reduce = new LatestLabel();
    assertThat(reduce.reduce(rec("A", 10, 0, 7), rec("B", 10, 0, 3)).label).isEqualTo("A");
    assertThat(reduce.reduce(rec("A", 10, 0, 3), rec("B", 10, 0, 7)).label).isEqualTo("B");
    assertThat(reduce.reduce(rec("Kafka", 10, 0, 1), rec("Seed", 10, -1, 99)).label)
        .isEqualTo("Kafka");
  }

  @Test
  void attributesRoundTripThroughTheArrays() {
    FeedbackRecord r = rec("A", 1, 0, 0);
    assertThat(r.attributes()).containsExactly(Map.entry("k", "v"));
  }
}
