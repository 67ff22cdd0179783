/**
 * The artifact format: a deterministic zip of a TensorFlow SavedModel, {@code metadata.json} and a
 * canary set, written by the retrain job and verified (sha256, safe paths, sizes, fingerprint)
 * before any scorer loads it.
 */
package dev.loopline.model.artifact;
