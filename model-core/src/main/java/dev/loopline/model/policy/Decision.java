package dev.loopline.model.policy;

/**
 * What the decision policy says about one scored event.
 *
 * @param action {@link DecisionPolicy#AUTO_ROUTE}, {@link DecisionPolicy#TRIAGE}, or the name of a
 *     band action from the policy config (e.g. {@code BLOCK})
 * @param routeLabel label to auto-route to, or {@code null}: not auto-routed
 * @param audit true when a would-be auto-route was drawn into the random audit sample (then the
 *     action is {@code TRIAGE})
 * @param topIndex index of the most probable label (ties: the lowest index)
 * @param topLabel the most probable label
 * @param topProbability its probability
 */
public record Decision(
    String action,
    String routeLabel,
    boolean audit,
    int topIndex,
    String topLabel,
    double topProbability) {

  /** True when the event goes to {@code routed.<slug of routeLabel>}. */
  public boolean autoRoute() {
    return routeLabel != null;
  }

  /** True when the event goes to the human review queue. */
  public boolean triage() {
    return DecisionPolicy.TRIAGE.equals(action);
  }
}
