package dev.loopline.retrain.job;

import dev.loopline.config.LooplineConfig;
import dev.loopline.model.features.FeaturizerSpec;
import dev.loopline.model.train.TrainerConfig;
import java.util.Arrays;
import java.util.List;

/**
 * The retrain job's settings, read from the one config layer. Every key and default is listed in
 * retrain-job/README.md.
 */
public final class RetrainSettings {

  public static final String LABELS = "model.labels";
  public static final String HOLDOUT_FRACTION = "retrain.holdout.fraction";
  public static final String SPLIT_SEED = "retrain.split.seed";
  public static final String RECENT_FRACTION = "retrain.recent.fraction";
  public static final String VALIDATION_FRACTION = "retrain.validation.fraction";
  public static final String MIN_PER_CLASS = "retrain.min.examples.per.class";
  public static final String DEVICE = "retrain.device";
  public static final String WARM_START = "retrain.warm.start";
  public static final String BOOTSTRAP_FILE = "retrain.bootstrap.file";

  /** Set by the service: the bootstrap file's digest, recorded with the version. */
  public static final String BOOTSTRAP_SHA256 = "retrain.bootstrap.sha256";

  public static final String WORK_DIR = "retrain.work.dir";
  public static final String PARALLELISM = "retrain.parallelism";

  private RetrainSettings() {}

  /** {@code model.labels} as a list, or null when unset. */
  public static List<String> configuredLabels(LooplineConfig c) {
    String v = c.get(LABELS);
    if (v == null || v.isBlank()) {
      return null;
    }
    return Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  /** The featurizer: model-core's defaults, with {@code featurizer.hash.bits} overridable. */
  public static FeaturizerSpec featurizerSpec(LooplineConfig c) {
    FeaturizerSpec d = FeaturizerSpec.defaults();
    return new FeaturizerSpec(
        d.version(),
        c.getInt("featurizer.hash.bits", d.hashBits()),
        d.wordNgramMax(),
        d.charNgramMin(),
        d.charNgramMax(),
        d.maxTextChars(),
        d.attributeKeys(),
        d.seed(),
        d.sublinearTf(),
        d.l2Normalize());
  }

  /** Trainer settings ({@code retrain.trainer.*}) on top of model-core's measured defaults. */
  public static TrainerConfig trainerConfig(LooplineConfig c, String device) {
    TrainerConfig d = TrainerConfig.defaults();
    return new TrainerConfig(
        c.get("retrain.trainer.model.type", d.modelType()),
        c.getInt("retrain.trainer.hidden", d.hidden()),
        c.getInt("retrain.trainer.epochs", d.epochs()),
        c.getInt("retrain.trainer.batch.size", d.batchSize()),
        (float) c.getDouble("retrain.trainer.learning.rate", d.learningRate()),
        c.getBoolean("retrain.trainer.class.weights", d.classWeights()),
        c.getInt("retrain.trainer.patience", d.earlyStoppingPatience()),
        c.getLong("retrain.trainer.seed", d.seed()),
        device);
  }
}
