package dev.loopline.model.policy;

/**
 * One probability band of a banded label: probabilities at or above {@code minProbability} (and
 * below the next higher band) map to {@code action}.
 */
public record Band(double minProbability, String action) {}
