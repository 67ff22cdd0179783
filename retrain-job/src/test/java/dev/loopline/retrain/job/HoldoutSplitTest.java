package dev.loopline.retrain.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HoldoutSplitTest {

  @Test
  void sameIdSameSeedAlwaysSameSide() {
    HoldoutSplit a = new HoldoutSplit(42L, 0.2);
    HoldoutSplit b = new HoldoutSplit(42L, 0.2);
    for (int i = 0; i < 1000; i++) {
      assertThat(a.isHoldout("evt-" + i)).isEqualTo(b.isHoldout("evt-" + i));
    }
  }

  @Test
  void holdsOutAboutTheConfiguredFraction() {
    HoldoutSplit s = new HoldoutSplit(HoldoutSplit.seedFor("tickets"), 0.2);
    int held = 0;
    for (int i = 0; i < 20_000; i++) {
      held += s.isHoldout("evt-" + i) ? 1 : 0;
    }
    assertThat(held / 20_000.0).isBetween(0.19, 0.21);
  }

  @Test
  void differentSeedsSplitDifferently() {
    HoldoutSplit a = new HoldoutSplit(1L, 0.5);
    HoldoutSplit b = new HoldoutSplit(2L, 0.5);
    int differ = 0;
    for (int i = 0; i < 1000; i++) {
      differ += a.isHoldout("e" + i) != b.isHoldout("e" + i) ? 1 : 0;
    }
    assertThat(differ).isBetween(400, 600);
  }

  @Test
  void positionIsAPinnedFunctionOfSeedAndId() {
    // Pinned: the backtest's leakage guard and old lineage records depend on this exact function.
    assertThat(new HoldoutSplit(0L, 0.2).position("evt-1"))
        .isEqualTo(new HoldoutSplit(0L, 0.5).position("evt-1"));
    assertThat(HoldoutSplit.seedFor("tickets")).isEqualTo(HoldoutSplit.seedFor("tickets"));
    assertThat(HoldoutSplit.seedFor("tickets")).isNotEqualTo(HoldoutSplit.seedFor("emails"));
  }

  @Test
  void rejectsDegenerateFractions() {
    assertThatThrownBy(() -> new HoldoutSplit(1L, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new HoldoutSplit(1L, 1)).isInstanceOf(IllegalArgumentException.class);
  }
}
