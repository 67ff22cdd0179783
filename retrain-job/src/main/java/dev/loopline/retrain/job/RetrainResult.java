package dev.loopline.retrain.job;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What one retraining run did: published a version (with its verdict and reason), or ended without
 * publishing (too few examples, a store that cannot be written), with the counts of excluded
 * records and any notes (label-set change, corrupt parent). A Flink POJO: the training task emits
 * it and the client collects it.
 */
public class RetrainResult {

  /** How a run ended. */
  public enum Status {
    PUBLISHED,
    NOT_ENOUGH_DATA,
    FAILED,
    SKIPPED
  }

  public Status status;
  public String modelName;
  public int version;

  /** PROMOTED, CANDIDATE or REJECTED when published. */
  public String verdict;

  public String reason;
  public String artifactUri;
  public String sha256;
  public String device;
  public int trainingExamples;
  public int holdoutExamples;
  public int gateExamples;
  public double candidateMacroF1 = Double.NaN;
  public double productionMacroF1 = Double.NaN;
  public double recentCandidateMacroF1 = Double.NaN;
  public double recentProductionMacroF1 = Double.NaN;
  public List<String> excluded = new ArrayList<>();
  public List<String> notes = new ArrayList<>();
  public long elapsedMillis;

  public RetrainResult() {}

  public static RetrainResult of(Status status, String modelName, String reason) {
    RetrainResult r = new RetrainResult();
    r.status = status;
    r.modelName = modelName;
    r.reason = reason;
    return r;
  }

  public boolean published() {
    return status == Status.PUBLISHED;
  }

  /** One line for logs and the CLI. */
  public String summary() {
    if (status != Status.PUBLISHED) {
      return String.format(Locale.ROOT, "%s %s: %s", modelName, status, reason);
    }
    return String.format(
        Locale.ROOT,
        "%s v%d %s on %s (train %d, holdout %d): %s",
        modelName,
        version,
        verdict,
        device,
        trainingExamples,
        holdoutExamples,
        reason);
  }

  @Override
  public String toString() {
    return summary();
  }
}
