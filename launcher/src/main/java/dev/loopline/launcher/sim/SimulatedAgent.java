package dev.loopline.launcher.sim;

import dev.loopline.avro.Correction;
import dev.loopline.avro.LabelSource;
import dev.loopline.avro.Prediction;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * A simulated support team for demos: it sees each served prediction and the ticket's true label
 * and does what people do. Triage and audit items are all resolved (with the true label, save a
 * small human error rate); a share of wrong auto-routes is noticed and re-routed; a small share of
 * right auto-routes is explicitly confirmed; everything else is left alone. Delays are log-normal
 * (minutes for the queue, hours to days for re-routes), so corrections arrive late and out of order
 * as real ones do.
 *
 * <p>Each reaction depends only on the settings and the event id, not on call order, so a replay
 * gives the same corrections.
 */
public final class SimulatedAgent {

  /** The decision name the policy uses for an automatic route. */
  public static final String AUTO_ROUTE = "AUTO_ROUTE";

  /**
   * How the team behaves.
   *
   * @param seed the seed
   * @param labels the label set (a mistaken agent picks another one of these)
   * @param rerouteShare share of wrong auto-routes that someone notices and re-routes
   * @param confirmShare share of right auto-routes that someone explicitly confirms
   * @param errorRate share of resolutions where the agent picks a wrong label
   * @param queueDelayMedian median time to resolve a triage or audit item
   * @param rerouteDelayMedian median time until a wrong auto-route is noticed
   * @param confirmDelayMedian median time until a confirmation
   * @param agents agent names (recorded on each correction as {@code sim:<name>})
   */
  public record Settings(
      long seed,
      List<String> labels,
      double rerouteShare,
      double confirmShare,
      double errorRate,
      Duration queueDelayMedian,
      Duration rerouteDelayMedian,
      Duration confirmDelayMedian,
      List<String> agents) {

    public Settings {
      labels = List.copyOf(labels);
      agents = List.copyOf(agents);
      if (agents.isEmpty()) {
        throw new IllegalArgumentException("at least one agent name is needed");
      }
      for (double share : new double[] {rerouteShare, confirmShare, errorRate}) {
        if (!(share >= 0 && share <= 1)) {
          throw new IllegalArgumentException("shares must be within [0, 1]");
        }
      }
    }

    /** 85% of wrong auto-routes re-routed, 3% of right ones confirmed, 1% human error. */
    public static Settings defaults(long seed, List<String> labels) {
      return new Settings(
          seed,
          labels,
          0.85,
          0.03,
          0.01,
          Duration.ofMinutes(20),
          Duration.ofHours(3),
          Duration.ofHours(6),
          List.of("ana", "bo", "chen", "dara", "eli", "femi"));
    }

    public Settings withShares(double reroute, double confirm, double error) {
      return new Settings(
          seed,
          labels,
          reroute,
          confirm,
          error,
          queueDelayMedian,
          rerouteDelayMedian,
          confirmDelayMedian,
          agents);
    }
  }

  private final Settings settings;

  public SimulatedAgent(Settings settings) {
    this.settings = settings;
  }

  /**
   * What the team does about a served prediction, if anything. Shadow predictions are never seen by
   * people. The correction time is counted from the prediction's {@code scoredAt} (or its {@code
   * occurredAt} when that is unset).
   */
  public Optional<Correction> react(Prediction prediction, String trueLabel) {
    if (prediction.getShadow()) {
      return Optional.empty();
    }
    Instant seen =
        prediction.getScoredAt() != null && prediction.getScoredAt().toEpochMilli() > 0
            ? prediction.getScoredAt()
            : prediction.getOccurredAt();
    return react(
        prediction.getEventId(),
        prediction.getTopLabel(),
        prediction.getDecision(),
        prediction.getAudit(),
        trueLabel,
        seen);
  }

  /**
   * As {@link #react(Prediction, String)}, from the fields that matter: any decision other than
   * {@value #AUTO_ROUTE} puts the event in front of a person (the triage queue).
   */
  public Optional<Correction> react(
      String eventId,
      String topLabel,
      String decision,
      boolean audit,
      String trueLabel,
      Instant seenAt) {
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(trueLabel, "trueLabel");
    SplittableRandom r =
        new SplittableRandom(TicketGenerator.mix(settings.seed(), eventId.hashCode()));
    boolean auto = AUTO_ROUTE.equals(decision == null ? "" : decision.toUpperCase(Locale.ROOT));
    if (audit || !auto) {
      LabelSource source = audit ? LabelSource.AUDIT : LabelSource.TRIAGE;
      return Optional.of(
          correction(
              r, eventId, resolve(r, trueLabel), source, seenAt, settings.queueDelayMedian()));
    }
    if (!trueLabel.equals(topLabel)) {
      if (r.nextDouble() < settings.rerouteShare()) {
        return Optional.of(
            correction(
                r,
                eventId,
                resolve(r, trueLabel),
                LabelSource.REROUTE,
                seenAt,
                settings.rerouteDelayMedian()));
      }
      return Optional.empty();
    }
    if (r.nextDouble() < settings.confirmShare()) {
      return Optional.of(
          correction(
              r, eventId, trueLabel, LabelSource.CONFIRM, seenAt, settings.confirmDelayMedian()));
    }
    return Optional.empty();
  }

  private String resolve(SplittableRandom r, String trueLabel) {
    if (r.nextDouble() >= settings.errorRate()) {
      return trueLabel;
    }
    List<String> others = new ArrayList<>(settings.labels());
    others.remove(trueLabel);
    return others.isEmpty() ? trueLabel : others.get(r.nextInt(others.size()));
  }

  private Correction correction(
      SplittableRandom r,
      String eventId,
      String label,
      LabelSource source,
      Instant seenAt,
      Duration median) {
    // Log-normal delay, sigma 1: most within a few times the median, a long tail beyond.
    double gaussian = gaussian(r);
    long millis = Math.max(1000L, Math.round(median.toMillis() * Math.exp(gaussian)));
    String agent = settings.agents().get(r.nextInt(settings.agents().size()));
    return Correction.newBuilder()
        .setEventId(eventId)
        .setLabel(label)
        .setAgent("sim:" + agent)
        .setCorrectedAt(seenAt.plusMillis(millis))
        .setSource(source)
        .setNote(null)
        .build();
  }

  private static double gaussian(SplittableRandom r) {
    double u1 = 1 - r.nextDouble();
    double u2 = r.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
