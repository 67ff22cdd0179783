/**
 * Backtest: replay a time range of {@code events} through chosen model versions (the serving
 * featurizer, scorer and decision policy), join the final labels from {@code feedback} and what
 * actually served from {@code predictions}, and report per-version metrics computed by model-core's
 * evaluator (the code the retrain job's promotion gate uses), with a leakage guard that excludes
 * events a version or its warm-start ancestors trained on.
 */
package dev.loopline.backtest;
