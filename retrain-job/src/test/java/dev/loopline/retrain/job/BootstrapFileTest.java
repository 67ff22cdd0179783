package dev.loopline.retrain.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootstrapFileTest {

  @TempDir Path dir;

  @Test
  void readsLinesAsBootstrapExamplesAndMarksBadOnes() throws Exception {
    Path f = dir.resolve("seed.jsonl");
    Files.writeString(
        f,
        """
        {"eventId":"s1","text":"refund please","label":"Billing","occurredAt":"2026-01-01T00:00:00Z","attributes":{"channel":"email"}}

        {"text":"app crashes","label":"Technical","occurredAt":1767225600000}
        not json
        {"eventId":"s3","text":"no label","occurredAt":1}
        """);
    List<FeedbackRecord> records = BootstrapFile.read(f);
    assertThat(records).hasSize(4);
    FeedbackRecord first = records.get(0);
    assertThat(first.eventId).isEqualTo("s1");
    assertThat(first.source).isEqualTo("BOOTSTRAP");
    assertThat(first.partition).isEqualTo(-1);
    assertThat(first.occurredAt).isEqualTo(Instant.parse("2026-01-01T00:00:00Z").toEpochMilli());
    assertThat(first.attributes()).containsEntry("channel", "email");
    assertThat(records.get(1).eventId).isEqualTo("bootstrap-3");
    assertThat(records.get(2).problem).startsWith("bad bootstrap line");
    assertThat(records.get(3).problem).contains("no label");
  }
}
