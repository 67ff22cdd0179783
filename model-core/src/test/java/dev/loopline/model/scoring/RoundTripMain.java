package dev.loopline.model.scoring;

import dev.loopline.model.artifact.ArtifactReader;
import dev.loopline.model.artifact.CanaryCase;
import dev.loopline.model.features.Featurizer;
import dev.loopline.model.features.SparseVector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Child-JVM side of {@link DjlRoundTripIntegrationTest}: loads an artifact the way serving does
 * ({@link ModelLoader}, DJL, no TensorFlow Java training code touched) and writes the probabilities
 * it computes for the artifact's canary texts, one row per line, as exact float strings.
 *
 * <p>Args: zip sha256 workDir out.
 */
public final class RoundTripMain {
  private RoundTripMain() {}

  public static void main(String[] args) throws Exception {
    Path zip = Path.of(args[0]);
    Path work = Path.of(args[2]);
    List<String> lines = new ArrayList<>();
    try (Scorer scorer = ModelLoader.load(zip, args[1], work.resolve("serving"), null)) {
      // read the canary inputs independently of the loader
      List<CanaryCase> canaries =
          ArtifactReader.unpack(zip, args[1], work.resolve("inspect")).canaries();
      Featurizer featurizer = new Featurizer(scorer.metadata().featurizer());
      List<SparseVector> vectors = new ArrayList<>();
      for (CanaryCase c : canaries) {
        vectors.add(featurizer.featurize(c.text(), c.attributes()));
      }
      for (float[] row : scorer.predict(vectors)) {
        StringBuilder sb = new StringBuilder();
        for (float p : row) {
          sb.append(sb.length() == 0 ? "" : " ").append(Float.toString(p));
        }
        lines.add(sb.toString());
      }
      lines.add("engine " + ai.djl.engine.Engine.getInstance().getEngineName());
    }
    Files.write(Path.of(args[3]), lines);
  }
}
