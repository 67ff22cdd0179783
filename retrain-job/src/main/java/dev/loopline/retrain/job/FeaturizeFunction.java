package dev.loopline.retrain.job;

import dev.loopline.model.features.Featurizer;
import dev.loopline.model.features.SparseVector;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * Validates one deduplicated example, assigns it to the training set or the holdout (the sticky
 * hash split), and featurizes it with model-core's featurizer: the same code serving uses. Runs in
 * parallel. Invalid examples (undecodable, empty text) pass through marked with the problem, so the
 * training step can count and report them; the label is checked there, once the label set is known.
 */
public class FeaturizeFunction extends RichMapFunction<FeedbackRecord, Example> {

  private static final long serialVersionUID = 1L;

  private final RetrainPlan plan;
  private transient Featurizer featurizer;

  public FeaturizeFunction(RetrainPlan plan) {
    this.plan = plan;
  }

  @Override
  public void open(OpenContext ctx) {
    featurizer = new Featurizer(RetrainSettings.featurizerSpec(plan.looplineConfig()));
  }

  @Override
  public Example map(FeedbackRecord r) {
    Example e = new Example();
    e.eventId = r.eventId;
    e.label = r.label;
    e.source = r.source;
    e.occurredAt = r.occurredAt;
    e.labeledAt = r.labeledAt;
    e.partition = r.partition;
    e.offset = r.offset;
    if (r.problem != null) {
      e.problem = r.problem;
      return e;
    }
    if (plan.forgotten.contains(r.eventId)) {
      e.problem = "forgotten on request";
      return e;
    }
    if (r.text == null || r.text.isBlank()) {
      e.problem = "empty text";
      return e;
    }
    if (r.label == null || r.label.isBlank()) {
      e.problem = "empty label";
      return e;
    }
    e.holdout = plan.split.isHoldout(r.eventId);
    if (e.holdout) {
      // Raw inputs travel on only for the holdout, where the artifact's canaries come from.
      e.text = r.text;
      e.attributeKeys = r.attributeKeys;
      e.attributeValues = r.attributeValues;
    }
    SparseVector v = featurizer.featurize(r.text, r.attributes());
    e.indices = v.indices();
    e.values = v.values();
    return e;
  }
}
