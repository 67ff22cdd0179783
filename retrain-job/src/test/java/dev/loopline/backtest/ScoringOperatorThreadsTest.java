package dev.loopline.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The backtest's TensorFlow thread settings: the scoring app's, unless the JVM was given its own.
 */
class ScoringOperatorThreadsTest {

  private String interop;
  private String intraop;

  @BeforeEach
  void save() {
    interop = System.getProperty(ScoringOperator.INTEROP);
    intraop = System.getProperty(ScoringOperator.INTRAOP);
  }

  @AfterEach
  void restore() {
    set(ScoringOperator.INTEROP, interop);
    set(ScoringOperator.INTRAOP, intraop);
  }

  private static void set(String key, String value) {
    if (value == null) {
      System.clearProperty(key);
    } else {
      System.setProperty(key, value);
    }
  }

  @Test
  void opsRunOnTheTaskThreadByDefault() {
    System.clearProperty(ScoringOperator.INTEROP);
    System.clearProperty(ScoringOperator.INTRAOP);
    ScoringOperator.tensorflowThreads();
    assertThat(System.getProperty(ScoringOperator.INTEROP)).isEqualTo("-1");
    assertThat(System.getProperty(ScoringOperator.INTRAOP)).isEqualTo("1");
  }

  @Test
  void anExplicitSettingWins() {
    System.setProperty(ScoringOperator.INTEROP, "2");
    System.setProperty(ScoringOperator.INTRAOP, "4");
    ScoringOperator.tensorflowThreads();
    assertThat(System.getProperty(ScoringOperator.INTEROP)).isEqualTo("2");
    assertThat(System.getProperty(ScoringOperator.INTRAOP)).isEqualTo("4");
  }
}
