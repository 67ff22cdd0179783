package dev.loopline.model.scoring;

import dev.loopline.model.features.Featurizer;
import dev.loopline.model.features.FeaturizerSpec;
import dev.loopline.model.features.SparseVector;
import dev.loopline.model.train.ArtifactPackager;
import dev.loopline.model.train.SyntheticTickets;
import dev.loopline.model.train.TrainedModel;
import dev.loopline.model.train.Trainer;
import dev.loopline.model.train.TrainerConfig;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Trains a small ticket classifier with the default featurizer and packages it, for load tests. */
final class TrainedArtifacts {
  static final Instant CREATED = Instant.parse("2026-01-05T10:00:00Z");

  final FeaturizerSpec spec = FeaturizerSpec.defaults();
  final Featurizer featurizer = new Featurizer(spec);
  final List<SyntheticTickets.Ticket> canaryTickets;
  final List<ArtifactPackager.CanaryInput> canaryInputs = new ArrayList<>();
  final TrainedModel model;

  TrainedArtifacts(String modelType, int examples) {
    SyntheticTickets gen = new SyntheticTickets(42);
    List<SparseVector> x = new ArrayList<>();
    int[] y = new int[examples];
    for (int i = 0; i < examples; i++) {
      SyntheticTickets.Ticket t = gen.next();
      x.add(featurizer.featurize(t.text(), t.attributes()));
      y[i] = t.label();
    }
    canaryTickets = gen.take(12);
    for (SyntheticTickets.Ticket t : canaryTickets) {
      canaryInputs.add(new ArtifactPackager.CanaryInput(t.text(), t.attributes()));
    }
    // an edge case every scorer must handle: nothing to featurize
    canaryInputs.add(new ArtifactPackager.CanaryInput("", Map.of()));
    TrainerConfig cfg =
        TrainerConfig.defaults().withModelType(modelType, 16).withEpochs(2, 0).withDevice("cpu");
    model =
        new Trainer().train(SyntheticTickets.LABELS, spec, x, y, List.of(), null, cfg, null, null);
  }

  /** Writes an artifact zip; returns its sha256. */
  String write(Path zip, int version) {
    return ArtifactPackager.write(
        model,
        ArtifactPackager.metadata(
            model, spec, "tickets", version, CREATED, null, 1000, null, null, Map.of()),
        canaryInputs,
        zip);
  }

  List<SparseVector> canaryVectors() {
    List<SparseVector> v = new ArrayList<>();
    for (ArtifactPackager.CanaryInput c : canaryInputs) {
      v.add(featurizer.featurize(c.text(), c.attributes()));
    }
    return v;
  }
}
