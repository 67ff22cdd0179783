package dev.loopline.backtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loopline.config.LooplineConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BacktestCommandTest {

  private static String[] run(String... args) {
    CommandLine cl =
        BacktestCommand.commandLine(new BacktestCommand(() -> LooplineConfig.of(Map.of())));
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new String[] {Integer.toString(code), err.toString()};
  }

  @Test
  void aBadTimeIsAOneLineUsageError() {
    String[] r = run("--from", "yesterday", "--to", "2026-03-02", "--model", "m:1");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[1].trim())
        .isEqualTo(
            "backtest: --from: 'yesterday' is not a time (2026-03-01T00:00:00Z or 2026-03-01)");
  }

  @Test
  void aBadThresholdIsAOneLineUsageError() {
    String[] r =
        run("--from", "2026-03-01", "--to", "2026-03-02", "--model", "m:1", "--thresholds", "2");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[1]).contains("--thresholds").doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void theServicesExitCodesHoldUnderAForeignHandler() {
    // as under the loopline CLI, whose execution-exception handler knows nothing of backtest
    CommandLine cl =
        new CommandLine(new BacktestCommand(() -> LooplineConfig.of(Map.of())))
            .setExecutionExceptionHandler((ex, c, r) -> 1);
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err));
    int code = cl.execute("--from", "2026-03-02", "--to", "2026-03-01", "--model", "m:1");
    assertThat(code).isEqualTo(BacktestException.USAGE);
    assertThat(err.toString().trim())
        .isEqualTo("backtest: --from 2026-03-02T00:00:00Z is not before --to 2026-03-01T00:00:00Z");
  }

  @Test
  void aMissingModelIsAUsageError() {
    String[] r = run("--from", "2026-03-01", "--to", "2026-03-02");
    assertThat(r[0]).isEqualTo("2");
  }

  @Test
  void timesAndThresholdsParse() {
    assertThat(BacktestCommand.parseTime("--from", "2026-03-01"))
        .isEqualTo(Instant.parse("2026-03-01T00:00:00Z"));
    assertThat(BacktestCommand.parseTime("--from", "2026-03-01T02:00:00+02:00"))
        .isEqualTo(Instant.parse("2026-03-01T00:00:00Z"));
    assertThat(BacktestCommand.policyOverrides(List.of("0.8", "Billing=0.9")))
        .containsEntry("policy.threshold.default", "0.8")
        .containsEntry("policy.threshold.Billing", "0.9");
    assertThatThrownBy(() -> BacktestCommand.policyOverrides(List.of("Billing=x")))
        .hasMessageContaining("Billing=x");
  }

  @Test
  void progressBarRendersCountsAndRate() {
    assertThat(BacktestProgress.render(5_000, 10_000, 51234.4))
        .isEqualTo("replaying [##########----------] 5,000/10,000 events 51,234 ev/s");
  }
}
