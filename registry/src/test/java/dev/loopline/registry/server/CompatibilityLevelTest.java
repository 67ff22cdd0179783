package dev.loopline.registry.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/** The seven levels, each with a case that separates it from its neighbours. */
class CompatibilityLevelTest {

  private static Schema record(String fields) {
    return new Schema.Parser()
        .parse("{\"type\":\"record\",\"name\":\"R\",\"fields\":[" + fields + "]}");
  }

  private static final Schema ID = record("{\"name\":\"id\",\"type\":\"string\"}");
  private static final Schema ID_PLUS_DEFAULTED =
      record(
          "{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"c\",\"type\":\"string\",\"default\":\"x\"}");
  private static final Schema ID_PLUS_REQUIRED =
      record("{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"p\",\"type\":\"int\"}");
  private static final Schema F_INT = record("{\"name\":\"f\",\"type\":\"int\"}");
  private static final Schema F_INT_DEFAULTED =
      record("{\"name\":\"f\",\"type\":\"int\",\"default\":0}");
  private static final Schema EMPTY = record("");
  private static final Schema F_STRING_DEFAULTED =
      record("{\"name\":\"f\",\"type\":\"string\",\"default\":\"\"}");

  private static boolean ok(CompatibilityLevel level, Schema candidate, Schema... existing) {
    return level.violations(candidate, List.of(existing)).isEmpty();
  }

  @Test
  void noneAcceptsAnything() {
    assertThat(ok(CompatibilityLevel.NONE, F_STRING_DEFAULTED, F_INT)).isTrue();
  }

  @Test
  void backwardNewReaderReadsOldData() {
    assertThat(ok(CompatibilityLevel.BACKWARD, ID_PLUS_DEFAULTED, ID)).isTrue();
    assertThat(ok(CompatibilityLevel.BACKWARD, ID_PLUS_REQUIRED, ID)).isFalse();
    assertThat(ok(CompatibilityLevel.BACKWARD, EMPTY, F_INT)).isTrue();
  }

  @Test
  void forwardOldReaderReadsNewData() {
    assertThat(ok(CompatibilityLevel.FORWARD, ID_PLUS_REQUIRED, ID)).isTrue();
    assertThat(ok(CompatibilityLevel.FORWARD, EMPTY, F_INT)).isFalse();
  }

  @Test
  void fullIsBoth() {
    assertThat(ok(CompatibilityLevel.FULL, ID_PLUS_DEFAULTED, ID)).isTrue();
    assertThat(ok(CompatibilityLevel.FULL, ID_PLUS_REQUIRED, ID)).isFalse();
    assertThat(ok(CompatibilityLevel.FULL, EMPTY, F_INT)).isFalse();
  }

  @Test
  void backwardTransitiveChecksEveryVersion() {
    // v1 {f:int} -> v2 {} -> candidate {f:string=""}: fine against v2, not against v1.
    assertThat(ok(CompatibilityLevel.BACKWARD, F_STRING_DEFAULTED, F_INT, EMPTY)).isTrue();
    assertThat(ok(CompatibilityLevel.BACKWARD_TRANSITIVE, F_STRING_DEFAULTED, F_INT, EMPTY))
        .isFalse();
  }

  @Test
  void forwardTransitiveChecksEveryVersion() {
    // v1 {f:int} -> v2 {f:int=0} -> candidate {}: v2 readers default f, v1 readers cannot.
    assertThat(ok(CompatibilityLevel.FORWARD, EMPTY, F_INT, F_INT_DEFAULTED)).isTrue();
    assertThat(ok(CompatibilityLevel.FORWARD_TRANSITIVE, EMPTY, F_INT, F_INT_DEFAULTED)).isFalse();
  }

  @Test
  void fullTransitiveChecksEveryVersionBothWays() {
    assertThat(ok(CompatibilityLevel.FULL, EMPTY, F_INT, F_INT_DEFAULTED)).isTrue();
    assertThat(ok(CompatibilityLevel.FULL_TRANSITIVE, EMPTY, F_INT, F_INT_DEFAULTED)).isFalse();
    assertThat(ok(CompatibilityLevel.FULL_TRANSITIVE, ID_PLUS_DEFAULTED, ID)).isTrue();
  }

  @Test
  void parsesNamesCaseInsensitively() {
    assertThat(CompatibilityLevel.parse("full_transitive"))
        .isEqualTo(CompatibilityLevel.FULL_TRANSITIVE);
    assertThat(CompatibilityLevel.parse("sideways")).isNull();
  }
}
