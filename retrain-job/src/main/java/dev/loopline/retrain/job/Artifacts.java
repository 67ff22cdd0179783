package dev.loopline.retrain.job;

import dev.loopline.model.artifact.ArtifactWriter;
import dev.loopline.model.artifact.CanaryCase;
import dev.loopline.model.artifact.ModelMetadata;
import dev.loopline.model.features.SparseVector;
import dev.loopline.model.train.TrainedModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Builds the artifact zip of a trained model: inference-only SavedModel, metadata, canaries. */
final class Artifacts {

  private Artifacts() {}

  /**
   * @param canaryInputs a few holdout examples; their expected outputs are the trained model's own
   * @return the zip's sha256
   */
  static String build(
      TrainedModel model,
      ModelMetadata metadata,
      List<Example> canaryInputs,
      Path exportDir,
      Path zip) {
    model.exportSavedModel(exportDir);
    List<SparseVector> x = new ArrayList<>();
    for (Example e : canaryInputs) {
      x.add(new SparseVector(e.indices, e.values));
    }
    float[][] p = x.isEmpty() ? new float[0][] : model.predict(x);
    List<CanaryCase> canaries = new ArrayList<>();
    for (int i = 0; i < canaryInputs.size(); i++) {
      Example e = canaryInputs.get(i);
      canaries.add(new CanaryCase(e.text, e.attributes(), p[i]));
    }
    return ArtifactWriter.write(exportDir, metadata, canaries, zip);
  }
}
