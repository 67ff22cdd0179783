package dev.loopline.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer on real TensorFlow (CPU), on small seeded sparse problems. */
class TrainerTest {
  private static final List<String> ABC = List.of("a", "b", "c");
  private final Trainer trainer = new Trainer();

  private static TrainerConfig cfg(String type) {
    return TrainerConfig.defaults().withModelType(type, 16).withBatchSize(128).withDevice("cpu");
  }

  @Test
  void logregLearnsASeparableProblem() {
    ToyData train = new ToyData(1, 3000, new double[] {1, 1, 1}, 6, 10, 0);
    ToyData test = new ToyData(2, 1000, new double[] {1, 1, 1}, 6, 10, 0);
    try (TrainedModel m =
        trainer.train(
            ABC, ToyData.spec(), train.x, train.y, test.x, test.y, cfg("logreg"), null, null)) {
      float[][] p = m.predict(test.x);
      assertThat(ToyData.accuracy(p, test.y)).isGreaterThan(0.98);
      for (float[] row : p) {
        float sum = 0;
        for (float v : row) {
          sum += v;
        }
        assertThat(sum).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-5f));
      }
      assertThat(m.trainerInfo())
          .containsEntry("modelType", "logreg")
          .containsEntry("device", "cpu")
          .containsKeys("epochsRun", "bestValidationLoss", "trainExamplesPerSecond");
    }
  }

  @Test
  void mlpLearnsASeparableProblem() {
    ToyData train = new ToyData(3, 3000, new double[] {1, 1, 1}, 6, 10, 0);
    ToyData test = new ToyData(4, 1000, new double[] {1, 1, 1}, 6, 10, 0);
    try (TrainedModel m =
        trainer.train(
            ABC, ToyData.spec(), train.x, train.y, test.x, test.y, cfg("mlp"), null, null)) {
      assertThat(ToyData.accuracy(m.predict(test.x), test.y)).isGreaterThan(0.98);
      assertThat(m.trainerInfo()).containsEntry("modelType", "mlp").containsEntry("hidden", "16");
    }
  }

  @Test
  void classWeightsRaiseMinorityRecall() {
    // class 2 is rare and its signal is weak: unweighted training mostly ignores it
    double[] share = {0.6, 0.37, 0.03};
    ToyData train = new ToyData(5, 4000, share, 4, 12, 0, 0.8);
    ToyData test = new ToyData(6, 6000, share, 4, 12, 0, 0.8);
    TrainerConfig base = cfg("logreg").withEpochs(5, 0).withLearningRate(1f);
    double plain;
    double weighted;
    try (TrainedModel m =
        trainer.train(
            ABC,
            ToyData.spec(),
            train.x,
            train.y,
            List.of(),
            null,
            base.withClassWeights(false),
            null,
            null)) {
      plain = ToyData.recall(m.predict(test.x), test.y, 2);
    }
    try (TrainedModel m =
        trainer.train(
            ABC,
            ToyData.spec(),
            train.x,
            train.y,
            List.of(),
            null,
            base.withClassWeights(true),
            null,
            null)) {
      weighted = ToyData.recall(m.predict(test.x), test.y, 2);
    }
    assertThat(weighted).isGreaterThan(plain + 0.2);
  }

  @Test
  void earlyStoppingStopsWhenValidationLossStopsFalling() {
    // labels are pure noise: validation loss is lowest near the start and then rises
    ToyData train = new ToyData(7, 1500, new double[] {1, 1, 1}, 6, 10, 1.0);
    ToyData val = new ToyData(8, 500, new double[] {1, 1, 1}, 6, 10, 1.0);
    List<Double> valLosses = new ArrayList<>();
    TrainerConfig c = cfg("logreg").withEpochs(30, 2).withLearningRate(1f);
    try (TrainedModel m =
        trainer.train(
            ABC,
            ToyData.spec(),
            train.x,
            train.y,
            val.x,
            val.y,
            c,
            null,
            (e, n, tl, vl, eps) -> valLosses.add(vl))) {
      int run = Integer.parseInt(m.trainerInfo().get("epochsRun"));
      int best = Integer.parseInt(m.trainerInfo().get("bestEpoch"));
      assertThat(run).isLessThan(30).isEqualTo(valLosses.size()).isEqualTo(best + 2);
      double bestLoss = Double.parseDouble(m.trainerInfo().get("bestValidationLoss"));
      assertThat(bestLoss)
          .isCloseTo(valLosses.get(best - 1), org.assertj.core.data.Offset.offset(1e-6));
      assertThat(valLosses.get(run - 1)).isGreaterThan(bestLoss);
    }
  }

  @Test
  void warmStartBeginsAtALowerLoss(@TempDir Path tmp) {
    ToyData first = new ToyData(9, 2000, new double[] {1, 1, 1}, 6, 10, 0.05);
    ToyData second = new ToyData(10, 2000, new double[] {1, 1, 1}, 6, 10, 0.05);
    ToyData val = new ToyData(11, 500, new double[] {1, 1, 1}, 6, 10, 0.05);
    for (String type : List.of("logreg", "mlp")) {
      Path parentDir = tmp.resolve(type);
      try (TrainedModel parent =
          trainer.train(
              ABC, ToyData.spec(), first.x, first.y, val.x, val.y, cfg(type), null, null)) {
        parent.exportSavedModel(parentDir);
      }
      TrainerConfig one = cfg(type).withEpochs(1, 0);
      double scratch;
      double warm;
      try (TrainedModel m =
          trainer.train(ABC, ToyData.spec(), second.x, second.y, val.x, val.y, one, null, null)) {
        scratch = Double.parseDouble(m.trainerInfo().get("initialValidationLoss"));
      }
      try (TrainedModel m =
          trainer.train(
              ABC, ToyData.spec(), second.x, second.y, val.x, val.y, one, parentDir, null)) {
        warm = Double.parseDouble(m.trainerInfo().get("initialValidationLoss"));
        assertThat(m.trainerInfo()).containsEntry("warmStart", "parent");
      }
      assertThat(warm).as(type).isLessThan(scratch * 0.8);
    }
  }

  @Test
  void warmStartFromAnIncompatibleParentTrainsFromScratchAndSaysSo(@TempDir Path tmp) {
    ToyData d = new ToyData(12, 600, new double[] {1, 1, 1}, 6, 10, 0);
    Path parentDir = tmp.resolve("mlp");
    try (TrainedModel parent =
        trainer.train(
            ABC,
            ToyData.spec(),
            d.x,
            d.y,
            List.of(),
            null,
            cfg("mlp").withEpochs(1, 0),
            null,
            null)) {
      parent.exportSavedModel(parentDir);
    }
    try (TrainedModel m =
        trainer.train(
            ABC,
            ToyData.spec(),
            d.x,
            d.y,
            List.of(),
            null,
            cfg("logreg").withEpochs(1, 0),
            parentDir,
            null)) {
      assertThat(m.trainerInfo().get("warmStart")).startsWith("skipped: parent is mlp");
    }
  }

  @Test
  void gpuRequestFallsBackToCpuWithoutAGpu() {
    assertThat(Device.resolve("gpu", false)).isEqualTo("cpu");
    assertThat(Device.resolve("auto", false)).isEqualTo("cpu");
    assertThat(Device.resolve("auto", true)).isEqualTo("gpu");
    assertThat(Device.resolve("cpu", true)).isEqualTo("cpu");
    ToyData d = new ToyData(13, 300, new double[] {1, 1, 1}, 6, 10, 0);
    try (TrainedModel m =
        trainer.train(
            ABC,
            ToyData.spec(),
            d.x,
            d.y,
            List.of(),
            null,
            cfg("logreg").withEpochs(1, 0).withDevice("gpu"),
            null,
            null)) {
      assertThat(m.trainerInfo())
          .containsEntry("deviceRequested", "gpu")
          .containsEntry("device", "cpu");
    }
  }

  @Test
  void rejectsBadInput() {
    ToyData d = new ToyData(14, 10, new double[] {1, 1, 1}, 6, 10, 0);
    int[] bad = d.y.clone();
    bad[0] = 3;
    assertThatThrownBy(
            () ->
                trainer.train(
                    ABC, ToyData.spec(), d.x, bad, List.of(), null, cfg("logreg"), null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("label index 3");
    assertThatThrownBy(() -> TrainerConfig.defaults().withModelType("svm", 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void exportRefusesANonEmptyDirectory(@TempDir Path tmp) throws Exception {
    ToyData d = new ToyData(15, 200, new double[] {1, 1, 1}, 6, 10, 0);
    java.nio.file.Files.writeString(tmp.resolve("x"), "x");
    try (TrainedModel m =
        trainer.train(
            ABC,
            ToyData.spec(),
            d.x,
            d.y,
            List.of(),
            null,
            cfg("logreg").withEpochs(1, 0),
            null,
            null)) {
      assertThatThrownBy(() -> m.exportSavedModel(tmp)).hasMessageContaining("not empty");
    }
  }
}
