package dev.loopline.launcher.loop;

import dev.loopline.config.LooplineConfig;
import dev.loopline.retrain.schedule.Schedule;
import java.time.Duration;

/**
 * The demo's knobs ({@code demo.*} keys of the one config layer), with defaults that show the whole
 * story within a few minutes: drift after 1,500 events at 20 events/s, corrections within seconds,
 * a retrain every 90 s or after 300 new labels.
 *
 * @param seed seed of the traffic, the seed set and the agent
 * @param eventsPerSecond traffic rate
 * @param driftAfterEvents ticket index from which the wording drifts (negative: never)
 * @param seedExamples size of the labeled seed set version 1 is trained on
 * @param maxEvents stop producing after this many events in all (negative: never)
 * @param queueDelay median time an agent takes to resolve a triage or audit item
 * @param rerouteDelay median time until a wrong auto-route is noticed and re-routed
 * @param confirmDelay median time until a right auto-route is confirmed
 * @param rerouteShare share of wrong auto-routes that get re-routed
 * @param confirmShare share of right auto-routes that get confirmed
 * @param retrainEvery retrain at least this often (null: only by label count)
 * @param retrainMinNewLabels ... or as soon as this many new labels arrived (0: only by time)
 * @param retrainCheckInterval how often the scheduler checks
 * @param statusInterval how often the status line is printed (zero: never)
 * @param accuracyWindow how many of the latest predictions the status line's accuracy covers
 */
public record DemoSettings(
    long seed,
    double eventsPerSecond,
    long driftAfterEvents,
    int seedExamples,
    long maxEvents,
    Duration queueDelay,
    Duration rerouteDelay,
    Duration confirmDelay,
    double rerouteShare,
    double confirmShare,
    Duration retrainEvery,
    long retrainMinNewLabels,
    Duration retrainCheckInterval,
    Duration statusInterval,
    int accuracyWindow) {

  public DemoSettings {
    if (!(eventsPerSecond > 0)) {
      throw new LooplineConfig.ConfigException(
          "demo.events.per.second must be positive, got " + eventsPerSecond);
    }
    if (seedExamples < 100) {
      throw new LooplineConfig.ConfigException(
          "demo.seed.examples must be at least 100, got " + seedExamples);
    }
    if (accuracyWindow < 1) {
      throw new LooplineConfig.ConfigException(
          "demo.accuracy.window must be positive, got " + accuracyWindow);
    }
  }

  public static DemoSettings from(LooplineConfig c) {
    String every = c.get("demo.retrain.every", "90s");
    return new DemoSettings(
        c.getLong("demo.seed", 42),
        c.getDouble("demo.events.per.second", 20),
        c.getLong("demo.drift.after.events", 1500),
        c.getInt("demo.seed.examples", 2000),
        c.getLong("demo.max.events", -1),
        duration(c, "demo.agent.queue.delay", "3s"),
        duration(c, "demo.agent.reroute.delay", "8s"),
        duration(c, "demo.agent.confirm.delay", "15s"),
        c.getDouble("demo.agent.reroute.share", 0.85),
        c.getDouble("demo.agent.confirm.share", 0.03),
        every.isBlank() || every.equals("0") ? null : Schedule.parseDuration(every),
        c.getLong("demo.retrain.min.new.labels", 300),
        duration(c, "demo.retrain.check.interval", "5s"),
        duration(c, "demo.status.interval", "5s"),
        c.getInt("demo.accuracy.window", 500));
  }

  private static Duration duration(LooplineConfig c, String key, String fallback) {
    String v = c.get(key, fallback).trim();
    if (v.equals("0")) {
      return Duration.ZERO;
    }
    try {
      return Schedule.parseDuration(v);
    } catch (RuntimeException e) {
      throw new LooplineConfig.ConfigException(key + ": " + e.getMessage());
    }
  }

  /** The retrain schedule these settings describe. */
  public Schedule schedule() {
    return new Schedule(retrainEvery, retrainMinNewLabels);
  }
}
