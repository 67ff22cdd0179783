/**
 * Publication in crash-safe order: store, read back and verify, record the version, then deploy.
 */
package dev.loopline.retrain.publish;
