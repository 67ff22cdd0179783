/**
 * The Flink retraining job: bounded feedback source, dedupe, sticky split, featurize, train,
 * evaluate, gate and publish on one task.
 */
package dev.loopline.retrain.job;
