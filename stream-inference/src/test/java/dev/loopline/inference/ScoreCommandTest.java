package dev.loopline.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Bad arguments end with a one-line error and a non-zero exit, before anything connects. */
class ScoreCommandTest {

  private static int run(StringWriter err, String... args) {
    CommandLine cli = ScoreCommand.commandLine().setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  @Test
  void anUnknownOptionIsAOneLineError() {
    StringWriter err = new StringWriter();
    assertThat(run(err, "--no-such-option")).isEqualTo(2);
    assertThat(err.toString().strip().lines()).hasSize(1);
    assertThat(err.toString()).contains("--no-such-option");
  }

  @Test
  void aMalformedSettingFailsBeforeConnecting() {
    assertThat(run(new StringWriter(), "--set", "scoring.batch.max.size=lots")).isEqualTo(2);
    assertThat(run(new StringWriter(), "--set", "scoring.processing.guarantee=maybe")).isEqualTo(2);
    assertThat(run(new StringWriter(), "--set", "policy.threshold.default=1.5")).isEqualTo(2);
  }
}
