package dev.loopline.model.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopline.model.store.Sha256;
import dev.loopline.model.tf.TensorFlowNatives;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Train (TensorFlow Java) -> export -> artifact -> load with DJL in a SEPARATE JVM: the serving
 * process must reproduce the trainer's own probabilities (within 1e-5) and top labels on the canary
 * set, with nothing but the artifact in common.
 */
@Tag("integration")
class DjlRoundTripIntegrationTest {

  @ParameterizedTest
  @ValueSource(strings = {"logreg", "mlp"})
  void aSeparateJvmReproducesTheTrainersProbabilities(String modelType, @TempDir Path tmp)
      throws Exception {
    TrainedArtifacts a = new TrainedArtifacts(modelType, 1500);
    float[][] expected;
    Path zip = tmp.resolve("tickets-1.zip");
    String sha;
    try (a.model) {
      sha = a.write(zip, 1);
      expected = a.model.predict(a.canaryVectors());
    }
    assertThat(Sha256.of(zip)).isEqualTo(sha);

    Path out = tmp.resolve("child.txt");
    String cp =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.add("-D" + TensorFlowNatives.DIR_PROPERTY + "=" + TensorFlowNatives.directory());
    cmd.add("-cp");
    cmd.add(cp);
    cmd.add(RoundTripMain.class.getName());
    cmd.add(zip.toString());
    cmd.add(sha);
    cmd.add(tmp.resolve("child-work").toString());
    cmd.add(out.toString());
    Path log = tmp.resolve("child.log");
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean done = p.waitFor(120, TimeUnit.SECONDS);
    if (!done) {
      p.destroyForcibly();
    }
    assertThat(done).as("child JVM finished").isTrue();
    assertThat(p.exitValue()).as("child exit; log:%n%s", Files.readString(log)).isZero();

    List<String> lines = Files.readAllLines(out);
    assertThat(lines.get(lines.size() - 1)).isEqualTo("engine TensorFlow");
    assertThat(lines).hasSize(expected.length + 1);
    for (int i = 0; i < expected.length; i++) {
      String[] parts = lines.get(i).split(" ");
      float[] got = new float[parts.length];
      for (int c = 0; c < parts.length; c++) {
        got[c] = Float.parseFloat(parts[c]);
      }
      assertThat(argmax(got)).as("top label of canary %d", i).isEqualTo(argmax(expected[i]));
      for (int c = 0; c < got.length; c++) {
        assertThat(Math.abs(got[c] - expected[i][c]))
            .as("canary %d label %d", i, c)
            .isLessThanOrEqualTo(1e-5f);
      }
    }
    // the child cleaned up after itself: its serving directory is gone once the scorer closed
    try (var s = Files.list(tmp.resolve("child-work").resolve("serving"))) {
      assertThat(s.toList()).isEmpty();
    }
  }

  private static int argmax(float[] p) {
    int best = 0;
    for (int c = 1; c < p.length; c++) {
      if (p[c] > p[best]) {
        best = c;
      }
    }
    return best;
  }
}
