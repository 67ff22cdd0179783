package dev.loopline.retrain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopline.config.LooplineConfig;
import dev.loopline.retrain.job.RetrainResult;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class RetrainCommandTest {

  @Test
  void progressBarShowsEpochsLossAndValidation() {
    assertThat(RetrainCommand.ProgressBar.render(3, 5, 0.41234, 0.45, 12345))
        .isEqualTo("training [############--------] epoch 3/5 loss 0.4123 val 0.4500 12,345 ex/s");
  }

  @Test
  void exitCodesTellScriptsWhatHappened() {
    assertThat(RetrainCommand.exitCode(RetrainResult.of(RetrainResult.Status.PUBLISHED, "m", "")))
        .isZero();
    assertThat(
            RetrainCommand.exitCode(
                RetrainResult.of(RetrainResult.Status.NOT_ENOUGH_DATA, "m", "")))
        .isEqualTo(3);
    assertThat(RetrainCommand.exitCode(RetrainResult.of(RetrainResult.Status.SKIPPED, "m", "")))
        .isEqualTo(5);
    assertThat(RetrainCommand.exitCode(RetrainResult.of(RetrainResult.Status.FAILED, "m", "")))
        .isEqualTo(1);
  }

  @Test
  void aBadDurationIsAOneLineUsageError() {
    CommandLine cl = new CommandLine(new RetrainCommand(() -> LooplineConfig.of(Map.of())));
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err));
    assertThat(cl.execute("--every", "soon")).isEqualTo(2);
    assertThat(err.toString()).contains("bad duration 'soon'").doesNotContain("Exception");
  }
}
