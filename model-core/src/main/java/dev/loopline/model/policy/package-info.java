/**
 * The decision policy: per-label thresholds, a never-auto-route list, the random audit share and
 * probability bands, all from config, shared by scoring, retraining and backtest.
 */
package dev.loopline.model.policy;
