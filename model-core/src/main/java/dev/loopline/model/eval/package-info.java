/**
 * Evaluation shared by retraining, the promotion gate and backtest: accuracy, macro-F1, per-class
 * precision and recall, log loss, triage rate and auto-route precision under the decision policy,
 * per label source, plus threshold sweeps and reliability bins.
 */
package dev.loopline.model.eval;
