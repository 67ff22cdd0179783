/** The promotion gate: candidate vs production on the same holdout, unbiased label sources only. */
package dev.loopline.retrain.gate;
