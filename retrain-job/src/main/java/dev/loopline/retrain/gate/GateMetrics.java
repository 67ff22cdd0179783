package dev.loopline.retrain.gate;

import java.util.Map;

/**
 * What the promotion gate looks at for one model on the gate's holdout slice: the number of
 * examples, macro-F1 and each class's recall. Kept apart from model-core's evaluation report so the
 * gate is a small pure function, tested without a model.
 */
public record GateMetrics(int examples, double macroF1, Map<String, Double> recallByLabel) {}
