package dev.loopline.launcher.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopline.avro.Correction;
import dev.loopline.avro.LabelProbability;
import dev.loopline.avro.LabelSource;
import dev.loopline.avro.Prediction;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SimulatedAgentTest {

  private static final Instant T0 = Instant.parse("2026-01-05T08:00:00Z");
  private static final List<String> LABELS = TicketGenerator.DEFAULT_LABELS;

  private static Prediction prediction(String id, String top, String decision, boolean audit) {
    return Prediction.newBuilder()
        .setEventId(id)
        .setModelName("tickets")
        .setModelVersion(1)
        .setProbabilities(List.of(new LabelProbability(top, 0.9)))
        .setTopLabel(top)
        .setTopProbability(0.9)
        .setDecision(decision)
        .setRoute("x")
        .setAudit(audit)
        .setOccurredAt(T0.minusSeconds(5))
        .setScoredAt(T0)
        .build();
  }

  private static SimulatedAgent agent(double reroute, double confirm, double error) {
    return new SimulatedAgent(
        SimulatedAgent.Settings.defaults(11, LABELS).withShares(reroute, confirm, error));
  }

  @Test
  void triageAndAuditItemsAreResolvedWithTheTrueLabel() {
    SimulatedAgent a = agent(0.85, 0.03, 0.0);
    for (int i = 0; i < 200; i++) {
      Correction c =
          a.react(prediction("e" + i, "Billing", "TRIAGE", false), "Shipping").orElseThrow();
      assertThat(c.getLabel()).isEqualTo("Shipping");
      assertThat(c.getSource()).isEqualTo(LabelSource.TRIAGE);
      assertThat(c.getEventId()).isEqualTo("e" + i);
      assertThat(c.getAgent()).startsWith("sim:");
      assertThat(c.getCorrectedAt()).isAfter(T0);
      Correction audit =
          a.react(prediction("a" + i, "Billing", "AUTO_ROUTE", true), "Billing").orElseThrow();
      assertThat(audit.getSource()).isEqualTo(LabelSource.AUDIT);
      assertThat(audit.getLabel()).isEqualTo("Billing");
    }
  }

  @Test
  void aShareOfWrongAutoRoutesIsReroutedAndASmallShareOfRightOnesConfirmed() {
    SimulatedAgent a = agent(0.8, 0.05, 0.0);
    int rerouted = 0;
    int confirmed = 0;
    List<Duration> rerouteDelays = new ArrayList<>();
    List<Duration> queueDelays = new ArrayList<>();
    for (int i = 0; i < 4_000; i++) {
      Optional<Correction> wrong =
          a.react(prediction("w" + i, "Billing", "AUTO_ROUTE", false), "Account");
      if (wrong.isPresent()) {
        rerouted++;
        assertThat(wrong.get().getSource()).isEqualTo(LabelSource.REROUTE);
        assertThat(wrong.get().getLabel()).isEqualTo("Account");
        rerouteDelays.add(Duration.between(T0, wrong.get().getCorrectedAt()));
      }
      Optional<Correction> right =
          a.react(prediction("r" + i, "Billing", "AUTO_ROUTE", false), "Billing");
      if (right.isPresent()) {
        confirmed++;
        assertThat(right.get().getSource()).isEqualTo(LabelSource.CONFIRM);
      }
      queueDelays.add(
          Duration.between(
              T0,
              a.react(prediction("q" + i, "Billing", "TRIAGE", false), "Billing")
                  .orElseThrow()
                  .getCorrectedAt()));
    }
    assertThat(rerouted / 4_000.0).isBetween(0.77, 0.83);
    assertThat(confirmed / 4_000.0).isBetween(0.035, 0.065);
    rerouteDelays.sort(null);
    queueDelays.sort(null);
    Duration rerouteMedian = rerouteDelays.get(rerouteDelays.size() / 2);
    Duration queueMedian = queueDelays.get(queueDelays.size() / 2);
    assertThat(rerouteMedian).isBetween(Duration.ofHours(2), Duration.ofHours(4));
    assertThat(queueMedian).isBetween(Duration.ofMinutes(15), Duration.ofMinutes(26));
    assertThat(rerouteDelays.get(rerouteDelays.size() - 1)).isGreaterThan(Duration.ofDays(1));
  }

  @Test
  void humanErrorPicksAnotherLabelAtTheConfiguredRate() {
    SimulatedAgent a = agent(1.0, 0.0, 0.1);
    int wrong = 0;
    for (int i = 0; i < 5_000; i++) {
      Correction c =
          a.react(prediction("e" + i, "Billing", "TRIAGE", false), "Technical").orElseThrow();
      assertThat(c.getLabel()).isIn(LABELS);
      if (!c.getLabel().equals("Technical")) {
        wrong++;
      }
    }
    assertThat(wrong / 5_000.0).isBetween(0.08, 0.12);
  }

  @Test
  void reactionsDependOnlyOnSeedAndEventAndShadowIsIgnored() {
    SimulatedAgent a = agent(0.5, 0.5, 0.1);
    SimulatedAgent b = agent(0.5, 0.5, 0.1);
    for (int i = 0; i < 100; i++) {
      Prediction p = prediction("e" + i, "Billing", i % 2 == 0 ? "AUTO_ROUTE" : "TRIAGE", false);
      assertThat(a.react(p, i % 3 == 0 ? "Billing" : "Account"))
          .isEqualTo(b.react(p, i % 3 == 0 ? "Billing" : "Account"));
    }
    Prediction shadow = prediction("s", "Billing", "TRIAGE", false);
    shadow.setShadow(true);
    assertThat(a.react(shadow, "Account")).isEmpty();
  }
}
