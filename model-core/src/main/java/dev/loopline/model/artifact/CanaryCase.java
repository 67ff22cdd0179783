package dev.loopline.model.artifact;

import java.util.Map;

/**
 * One canary: an input and the probabilities the trainer's own export produced for it. A scorer
 * loading the artifact must reproduce them (within a small tolerance) before it serves, which
 * catches a wrong native library, a wrong signature or a featurizer mismatch before traffic does.
 *
 * @param expected probabilities in the model's label order
 */
public record CanaryCase(String text, Map<String, String> attributes, float[] expected) {}
