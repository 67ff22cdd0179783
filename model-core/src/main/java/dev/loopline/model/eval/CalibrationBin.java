package dev.loopline.model.eval;

/**
 * One reliability bin: examples whose top probability lies in {@code [lower, upper)} (the last bin
 * includes 1.0), their mean top probability and how often the top label was right. A calibrated
 * model has {@code meanConfidence ≈ accuracy} in every bin, which is what makes a probability
 * threshold mean what it says.
 */
public record CalibrationBin(
    double lower, double upper, long count, double meanConfidence, double accuracy) {}
