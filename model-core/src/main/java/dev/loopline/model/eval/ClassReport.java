package dev.loopline.model.eval;

/**
 * Per-label metrics. Precision is 0 when the label was never predicted and recall 0 when it never
 * occurs (the scikit-learn convention), so a class the model ignores drags macro-F1 down.
 *
 * @param support examples whose true label is this one
 * @param predicted examples whose top label is this one
 * @param autoRouted examples auto-routed to this label under the policy
 * @param autoRouteCorrect of those, how many were right
 */
public record ClassReport(
    String label,
    long support,
    long predicted,
    double precision,
    double recall,
    double f1,
    long autoRouted,
    long autoRouteCorrect) {}
