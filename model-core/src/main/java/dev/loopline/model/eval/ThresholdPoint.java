package dev.loopline.model.eval;

/**
 * One point of a threshold sweep: auto-route whenever the top probability is at least {@code
 * threshold} (one global threshold, no audit): how much would be auto-routed, and how precisely.
 *
 * @param precision share of auto-routed examples whose top label is right (NaN when none)
 */
public record ThresholdPoint(
    double threshold, long autoRouted, long correct, double autoRouteRate, double precision) {}
