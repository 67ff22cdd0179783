/**
 * Serving: the {@code Scorer} interface, its DJL TensorFlow implementation and the verified loader
 * hot swap uses (sha256, safe unpack, fingerprint, labels, signature, warm-up, canaries).
 */
package dev.loopline.model.scoring;
