package dev.loopline.model.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class DecisionPolicyTest {

  private static final List<String> LABELS = List.of("billing", "shipping", "tech support");
  private static final Map<String, String> NO_AUDIT = Map.of("policy.audit.rate", "0");

  @Test
  void defaultsAutoRouteAtPointSeven() {
    DecisionPolicy p = DecisionPolicy.fromConfig(NO_AUDIT);
    Decision d = p.decide(LABELS, new float[] {0.1f, 0.7f, 0.2f}, "e1");
    assertThat(d.action()).isEqualTo(DecisionPolicy.AUTO_ROUTE);
    assertThat(d.autoRoute()).isTrue();
    assertThat(d.routeLabel()).isEqualTo("shipping");
    assertThat(d.topIndex()).isEqualTo(1);
    assertThat(d.topProbability()).isCloseTo(0.7, Offset.offset(1e-6));
    assertThat(d.audit()).isFalse();

    Decision low = p.decide(LABELS, new float[] {0.35f, 0.3f, 0.35f}, "e2");
    assertThat(low.action()).isEqualTo(DecisionPolicy.TRIAGE);
    assertThat(low.triage()).isTrue();
    assertThat(low.routeLabel()).isNull();
    assertThat(low.topIndex()).as("ties pick the lowest index").isZero();
    assertThat(DecisionPolicy.defaults().auditRate()).isEqualTo(0.02);
    assertThat(DecisionPolicy.defaults().defaultThreshold()).isEqualTo(0.7);
  }

  @Test
  void perLabelThresholdsAndNeverAutoRoute() {
    Map<String, String> cfg = new HashMap<>(NO_AUDIT);
    cfg.put("policy.threshold.default", "0.6");
    cfg.put("policy.threshold.billing", "0.95");
    cfg.put("policy.never.auto", "tech support");
    DecisionPolicy p = DecisionPolicy.fromConfig(cfg);
    assertThat(p.decide(LABELS, new float[] {0.9f, 0.05f, 0.05f}, "a").triage()).isTrue();
    assertThat(p.decide(LABELS, new float[] {0.96f, 0.02f, 0.02f}, "a").routeLabel())
        .isEqualTo("billing");
    assertThat(p.decide(LABELS, new float[] {0.2f, 0.65f, 0.15f}, "a").routeLabel())
        .isEqualTo("shipping");
    assertThat(p.decide(LABELS, new float[] {0f, 0f, 1f}, "a").triage()).isTrue();
    assertThat(p.autoRoutableLabels(LABELS)).containsExactly("billing", "shipping");
    assertThat(p.thresholdFor("billing", LABELS)).isEqualTo(0.95);
    assertThat(p.thresholdFor("shipping", LABELS)).isEqualTo(0.6);
  }

  @Test
  void auditDrawIsAStableHashOfTheEventIdNearTheConfiguredRate() {
    DecisionPolicy p = DecisionPolicy.fromConfig(Map.of("policy.audit.rate", "0.02"));
    float[] sure = {0.99f, 0.005f, 0.005f};
    int audited = 0;
    int n = 50_000;
    for (int i = 0; i < n; i++) {
      Decision d = p.decide(LABELS, sure, "event-" + i);
      if (d.audit()) {
        audited++;
        assertThat(d.action()).isEqualTo(DecisionPolicy.TRIAGE);
        assertThat(d.routeLabel()).isNull();
        assertThat(d.topLabel()).isEqualTo("billing");
      } else {
        assertThat(d.autoRoute()).isTrue();
      }
      // same id, same draw: a replay reproduces the audit sample
      assertThat(p.decide(LABELS, sure, "event-" + i).audit()).isEqualTo(d.audit());
    }
    assertThat(audited / (double) n).isCloseTo(0.02, Offset.offset(0.003));
    // a rebuilt policy draws the same sample
    DecisionPolicy again = DecisionPolicy.fromConfig(Map.of("policy.audit.rate", "0.02"));
    for (int i = 0; i < 2000; i++) {
      assertThat(again.decide(LABELS, sure, "event-" + i).audit())
          .isEqualTo(p.decide(LABELS, sure, "event-" + i).audit());
    }
    // below threshold nothing is audited, and a null id never is
    assertThat(p.decide(LABELS, new float[] {0.4f, 0.3f, 0.3f}, "event-1").audit()).isFalse();
    DecisionPolicy all = DecisionPolicy.fromConfig(Map.of("policy.audit.rate", "1"));
    assertThat(all.decide(LABELS, sure, "x").audit()).isTrue();
    assertThat(all.decide(LABELS, sure, null).autoRoute()).isTrue();
  }

  @Test
  void auditSeedChangesTheSample() {
    DecisionPolicy a = DecisionPolicy.fromConfig(Map.of("policy.audit.rate", "0.5"));
    DecisionPolicy b =
        DecisionPolicy.fromConfig(Map.of("policy.audit.rate", "0.5", "policy.audit.seed", "7"));
    int differ = 0;
    for (int i = 0; i < 1000; i++) {
      if (a.auditUnit("id" + i) < 0.5 != b.auditUnit("id" + i) < 0.5) {
        differ++;
      }
    }
    assertThat(differ).isBetween(400, 600);
  }

  @Test
  void bandsMapOneLabelsProbabilityToActions() {
    List<String> labels = List.of("legit", "fraud");
    DecisionPolicy p =
        DecisionPolicy.fromConfig(
            Map.of(
                "policy.bands.fraud", "0.6:VERIFY, 0.8:BLOCK, 0:ALLOW", "policy.audit.rate", "0"));
    assertThat(p.decide(labels, new float[] {0.1f, 0.9f}, "a").action()).isEqualTo("BLOCK");
    assertThat(p.decide(labels, new float[] {0.2f, 0.8f}, "a").action()).isEqualTo("BLOCK");
    assertThat(p.decide(labels, new float[] {0.3f, 0.7f}, "a").action()).isEqualTo("VERIFY");
    assertThat(p.decide(labels, new float[] {0.4f, 0.6f}, "a").action()).isEqualTo("VERIFY");
    Decision allow = p.decide(labels, new float[] {0.95f, 0.05f}, "a");
    assertThat(allow.action()).isEqualTo("ALLOW");
    assertThat(allow.autoRoute()).isFalse();
    assertThat(allow.topLabel()).isEqualTo("legit");
    assertThat(p.bands()).extracting(Band::action).containsExactly("BLOCK", "VERIFY", "ALLOW");

    DecisionPolicy partial =
        DecisionPolicy.fromConfig(
            Map.of("policy.bands.fraud", "0.8:BLOCK", "policy.audit.rate", "0"));
    assertThat(partial.decide(labels, new float[] {0.95f, 0.05f}, "a").action())
        .as("below every band: the threshold rules apply")
        .isEqualTo(DecisionPolicy.AUTO_ROUTE);
  }

  @Test
  void labelsWithSpacesCanBeNamedVerbatimPercentEncodedOrLoosely() {
    for (String key :
        List.of(
            "policy.threshold.tech support",
            "policy.threshold.tech%20support",
            "policy.threshold.tech.support",
            "policy.threshold.TECH_SUPPORT")) {
      DecisionPolicy p = DecisionPolicy.fromConfig(Map.of(key, "0.99", "policy.audit.rate", "0"));
      assertThat(p.thresholdFor("tech support", LABELS)).as(key).isEqualTo(0.99);
      assertThat(p.thresholdFor("billing", LABELS)).as(key).isEqualTo(0.7);
    }
    DecisionPolicy p =
        DecisionPolicy.fromConfig(Map.of("policy.never.auto", "billing, tech%20support"));
    assertThat(p.autoRoutableLabels(LABELS)).containsExactly("shipping");
    List<String> comma = List.of("a,b", "c");
    DecisionPolicy withComma = DecisionPolicy.fromConfig(Map.of("policy.never.auto", "a%2Cb"));
    assertThat(withComma.autoRoutableLabels(comma)).containsExactly("c");
  }

  @Test
  void aLabelNamedDefaultIsReachedPercentEncoded() {
    List<String> labels = List.of("default", "other");
    DecisionPolicy p =
        DecisionPolicy.fromConfig(
            Map.of("policy.threshold.default", "0.6", "policy.threshold.%64efault", "0.9"));
    assertThat(p.thresholdFor("default", labels)).isEqualTo(0.9);
    assertThat(p.thresholdFor("other", labels)).isEqualTo(0.6);
  }

  @Test
  void validateLabelsReportsWhatDoesNotFit() {
    DecisionPolicy p =
        DecisionPolicy.fromConfig(
            Map.of("policy.threshold.refunds", "0.9", "policy.never.auto", "billing,nope"));
    assertThatThrownBy(() -> p.validateLabels(LABELS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("policy.threshold.refunds")
        .hasMessageContaining("nope");
    assertThatThrownBy(() -> p.decide(LABELS, new float[] {1, 0, 0}, "x"))
        .isInstanceOf(IllegalArgumentException.class);

    DecisionPolicy ambiguous = DecisionPolicy.fromConfig(Map.of("policy.threshold.a.b", "0.9"));
    assertThatThrownBy(() -> ambiguous.validateLabels(List.of("a-b", "A b")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("matches both");
    assertThatThrownBy(() -> DecisionPolicy.defaults().validateLabels(List.of("x", "x")))
        .hasMessageContaining("not distinct");
    assertThatThrownBy(() -> DecisionPolicy.defaults().validateLabels(List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    DecisionPolicy.defaults().validateLabels(LABELS);
  }

  @Test
  void rejectsMalformedConfig() {
    assertThatThrownBy(() -> DecisionPolicy.fromConfig(Map.of("policy.threshold.default", "high")))
        .hasMessageContaining("policy.threshold.default");
    assertThatThrownBy(() -> DecisionPolicy.fromConfig(Map.of("policy.audit.rate", "1.5")))
        .hasMessageContaining("[0, 1]");
    assertThatThrownBy(() -> DecisionPolicy.fromConfig(Map.of("policy.bands.fraud", "0.8-BLOCK")))
        .hasMessageContaining("0.8-BLOCK");
    assertThatThrownBy(
            () -> DecisionPolicy.fromConfig(Map.of("policy.bands.fraud", "0.8:BLOCK,0.8:VERIFY")))
        .hasMessageContaining("two bands");
    assertThatThrownBy(
            () -> DecisionPolicy.fromConfig(Map.of("policy.bands.fraud", "0.8:AUTO_ROUTE")))
        .hasMessageContaining("AUTO_ROUTE");
    assertThatThrownBy(
            () ->
                DecisionPolicy.fromConfig(
                    Map.of("policy.bands.a", "0.5:X", "policy.bands.b", "0.5:Y")))
        .hasMessageContaining("at most one label");
    assertThatThrownBy(() -> DecisionPolicy.fromConfig(Map.of("policy.threshold.", "0.5")))
        .hasMessageContaining("missing label");
    // keys outside policy.* are not the policy's business
    assertThat(DecisionPolicy.fromConfig(Map.of("bootstrap.servers", "x:9092")).auditRate())
        .isEqualTo(0.02);
  }

  @Test
  void rejectsProbabilitiesOfTheWrongWidth() {
    assertThatThrownBy(() -> DecisionPolicy.defaults().decide(LABELS, new float[] {1f}, "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1 probabilities for 3 labels");
  }

  @Test
  void nanProbabilitiesGoToTriage() {
    DecisionPolicy p =
        DecisionPolicy.fromConfig(
            Map.of("policy.bands.billing", "0.5:HOLD", "policy.audit.rate", "0"));
    Decision d = p.decide(LABELS, new float[] {Float.NaN, Float.NaN, Float.NaN}, "x");
    assertThat(d.action()).isEqualTo(DecisionPolicy.TRIAGE);
    assertThat(d.autoRoute()).isFalse();
  }

  @Test
  void toConfigRebuildsAnEqualPolicy() {
    Map<String, String> cfg =
        Map.of(
            "policy.threshold.default", "0.65",
            "policy.threshold.billing", "0.9",
            "policy.never.auto", "shipping",
            "policy.audit.rate", "0.05",
            "policy.bands.billing", "0.99:HOLD");
    DecisionPolicy p = DecisionPolicy.fromConfig(cfg);
    DecisionPolicy q = DecisionPolicy.fromConfig(p.toConfig());
    assertThat(q.toConfig()).isEqualTo(p.toConfig());
    float[][] rows = {
      {0.995f, 0, 0.005f}, {0.91f, 0.05f, 0.04f}, {0.1f, 0.8f, 0.1f}, {0.2f, 0.1f, 0.7f}
    };
    for (float[] r : rows) {
      for (int i = 0; i < 100; i++) {
        assertThat(q.decide(LABELS, r, "e" + i)).isEqualTo(p.decide(LABELS, r, "e" + i));
      }
    }
  }
}
