/** Retraining: the service API (run once, lock), the retrain and models commands. */
package dev.loopline.retrain;
