package dev.loopline.feedback.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopline.avro.LabelSource;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CorrectionStateTest {

  private static final Instant T = Instant.parse("2026-03-02T09:00:00Z");

  @Test
  void roundTripsWithAndWithoutWhatWasWritten() {
    CorrectionState.StateSerde serde = new CorrectionState.StateSerde();
    CorrectionState pending =
        new CorrectionState(
            Fixture.correction("e1", "refunds", T, LabelSource.TRIAGE), 12L, 99L, false, null);
    CorrectionState written =
        pending.withEmitted(
            new CorrectionState.Emitted(
                "refunds", LabelSource.TRIAGE, T.toEpochMilli(), "tickets", 3, "billing", 5L));
    CorrectionState noPrediction =
        pending.withEmitted(
            new CorrectionState.Emitted(
                "refunds", LabelSource.TRIAGE, T.toEpochMilli(), null, 0, null, 0L));
    for (CorrectionState s : new CorrectionState[] {pending, written, noPrediction}) {
      byte[] bytes = serde.serializer().serialize("t", s);
      assertThat(serde.deserializer().deserialize("t", bytes)).isEqualTo(s);
    }
  }

  @Test
  void laterCorrectedAtThenLaterOffsetWinsAndHumansBeatImplicit() {
    CorrectionState s =
        new CorrectionState(
            Fixture.correction("e1", "a", T, LabelSource.REROUTE), 5L, 0L, false, null);
    assertThat(s.losesTo(Fixture.correction("e1", "b", T.plusMillis(1), LabelSource.REROUTE), 1L))
        .isTrue();
    assertThat(s.losesTo(Fixture.correction("e1", "b", T.minusMillis(1), LabelSource.REROUTE), 9L))
        .isFalse();
    assertThat(s.losesTo(Fixture.correction("e1", "b", T, LabelSource.REROUTE), 6L)).isTrue();
    assertThat(s.losesTo(Fixture.correction("e1", "b", T, LabelSource.REROUTE), 4L)).isFalse();
    CorrectionState implicit =
        new CorrectionState(
            Fixture.correction("e1", "a", T, LabelSource.IMPLICIT), -1L, 0L, true, null);
    assertThat(
            implicit.losesTo(
                Fixture.correction("e1", "b", T.minusSeconds(60), LabelSource.AUDIT), 0L))
        .isTrue();
    assertThat(
            s.losesTo(Fixture.correction("e1", "b", T.plusSeconds(60), LabelSource.IMPLICIT), 9L))
        .isFalse();
  }
}
