package dev.loopline.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The local join's replayed-id set counts each id once, across its growth. */
class SeenIdsTest {

  @Test
  void eachIdIsNewOnceAcrossGrowth() {
    SeenIds seen = new SeenIds();
    int n = 300_000; // grows the table several times
    for (int i = 0; i < n; i++) {
      assertThat(seen.add("00000000-0000-4000-8000-" + String.format("%012d", i))).isTrue();
    }
    for (int i = 0; i < n; i += 997) {
      assertThat(seen.add("00000000-0000-4000-8000-" + String.format("%012d", i))).isFalse();
    }
    assertThat(seen.add("another")).isTrue();
    assertThat(seen.add("another")).isFalse();
  }
}
