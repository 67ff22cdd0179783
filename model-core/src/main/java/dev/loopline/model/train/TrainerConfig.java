package dev.loopline.model.train;

import java.util.Locale;
import java.util.Set;

/**
 * How to train a softmax classifier over the featurizer's sparse vector. Kept as data so the
 * retrain job can read it from config and record it in the artifact's metadata.
 *
 * @param modelType {@code "logreg"} (one sparse layer straight to the labels) or {@code "mlp"} (a
 *     sparse layer into {@code hidden} ReLU units, then a dense softmax layer)
 * @param hidden hidden units of the MLP (ignored for logreg)
 * @param epochs maximum passes over the training data
 * @param batchSize examples per optimizer step
 * @param learningRate Adagrad learning rate
 * @param classWeights weight each example by {@code n / (labels * count(label))} so rare labels
 *     count as much as common ones
 * @param earlyStoppingPatience stop after this many epochs without a lower validation loss (0:
 *     never stop early); the weights of the best epoch are kept
 * @param seed seeds the weight initialisation and the per-epoch shuffle
 * @param device {@code "auto"} (GPU if the TensorFlow natives see one), {@code "cpu"} or {@code
 *     "gpu"} (falls back to CPU, logged, when no GPU is visible)
 */
public record TrainerConfig(
    String modelType,
    int hidden,
    int epochs,
    int batchSize,
    float learningRate,
    boolean classWeights,
    int earlyStoppingPatience,
    long seed,
    String device) {

  static final Set<String> MODEL_TYPES = Set.of("logreg", "mlp");
  static final Set<String> DEVICES = Set.of("auto", "cpu", "gpu");

  public TrainerConfig {
    modelType = modelType == null ? "logreg" : modelType.toLowerCase(Locale.ROOT);
    device = device == null ? "auto" : device.toLowerCase(Locale.ROOT);
    if (!MODEL_TYPES.contains(modelType)) {
      throw new IllegalArgumentException("modelType must be logreg or mlp, got " + modelType);
    }
    if (!DEVICES.contains(device)) {
      throw new IllegalArgumentException("device must be auto, cpu or gpu, got " + device);
    }
    if ("mlp".equals(modelType) && hidden < 1) {
      throw new IllegalArgumentException("mlp needs hidden >= 1, got " + hidden);
    }
    if (epochs < 1 || batchSize < 1 || !(learningRate > 0) || earlyStoppingPatience < 0) {
      throw new IllegalArgumentException(
          "need epochs >= 1, batchSize >= 1, learningRate > 0, earlyStoppingPatience >= 0");
    }
  }

  /**
   * The measured default (see model-core/README.md, "Training"): logistic regression, 5 epochs,
   * batch 512, Adagrad 0.3, balanced class weights, patience 1.
   */
  public static TrainerConfig defaults() {
    return new TrainerConfig("logreg", 64, 5, 512, 0.3f, true, 1, 42L, "auto");
  }

  public TrainerConfig withModelType(String type, int hiddenUnits) {
    return new TrainerConfig(
        type,
        hiddenUnits,
        epochs,
        batchSize,
        learningRate,
        classWeights,
        earlyStoppingPatience,
        seed,
        device);
  }

  public TrainerConfig withEpochs(int n, int patience) {
    return new TrainerConfig(
        modelType, hidden, n, batchSize, learningRate, classWeights, patience, seed, device);
  }

  public TrainerConfig withBatchSize(int n) {
    return new TrainerConfig(
        modelType,
        hidden,
        epochs,
        n,
        learningRate,
        classWeights,
        earlyStoppingPatience,
        seed,
        device);
  }

  public TrainerConfig withLearningRate(float lr) {
    return new TrainerConfig(
        modelType,
        hidden,
        epochs,
        batchSize,
        lr,
        classWeights,
        earlyStoppingPatience,
        seed,
        device);
  }

  public TrainerConfig withClassWeights(boolean on) {
    return new TrainerConfig(
        modelType,
        hidden,
        epochs,
        batchSize,
        learningRate,
        on,
        earlyStoppingPatience,
        seed,
        device);
  }

  public TrainerConfig withSeed(long s) {
    return new TrainerConfig(
        modelType,
        hidden,
        epochs,
        batchSize,
        learningRate,
        classWeights,
        earlyStoppingPatience,
        s,
        device);
  }

  public TrainerConfig withDevice(String d) {
    return new TrainerConfig(
        modelType,
        hidden,
        epochs,
        batchSize,
        learningRate,
        classWeights,
        earlyStoppingPatience,
        seed,
        d);
  }
}
