package dev.loopline.feedback.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loopline.config.LooplineConfig.ConfigException;
import dev.loopline.feedback.console.ConsoleAuth.Principal;
import dev.loopline.feedback.console.ConsoleAuth.Role;
import org.junit.jupiter.api.Test;

class ConsoleAuthTest {

  @Test
  void tokensMapToRolesAndNames() {
    ConsoleAuth auth = ConsoleAuth.parse(" s3cret:operator:olga , r3ad:viewer ");
    assertThat(auth.enabled()).isTrue();
    assertThat(auth.forToken("s3cret")).contains(new Principal("olga", Role.OPERATOR));
    Principal viewer = auth.forToken("r3ad").orElseThrow();
    assertThat(viewer.role()).isEqualTo(Role.VIEWER);
    // Unnamed tokens get a name derived from their digest, never the token itself.
    assertThat(viewer.name()).startsWith("viewer-").doesNotContain("r3ad");
    assertThat(auth.forToken("S3CRET")).isEmpty();
    assertThat(auth.forToken("")).isEmpty();
    assertThat(auth.forToken(null)).isEmpty();
  }

  @Test
  void noTokensMeansLoopbackOnly() {
    ConsoleAuth auth = ConsoleAuth.parse("");
    assertThat(auth.enabled()).isFalse();
    assertThat(auth.forToken("anything")).isEmpty();
    assertThat(ConsoleAuth.isLoopback("127.0.0.1")).isTrue();
    assertThat(ConsoleAuth.isLoopback("0:0:0:0:0:0:0:1")).isTrue();
    assertThat(ConsoleAuth.isLoopback("10.1.2.3")).isFalse();
    assertThat(ConsoleAuth.isLoopback(null)).isFalse();
  }

  @Test
  void malformedEntriesAreConfigErrors() {
    assertThatThrownBy(() -> ConsoleAuth.parse("justatoken"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("<token>:<operator|viewer>");
    assertThatThrownBy(() -> ConsoleAuth.parse("t:admin"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("operator or viewer");
  }
}
