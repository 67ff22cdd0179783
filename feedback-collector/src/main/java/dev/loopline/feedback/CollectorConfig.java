package dev.loopline.feedback;

import dev.loopline.config.LooplineConfig;
import dev.loopline.config.LooplineConfig.ConfigException;
import dev.loopline.topics.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * The collector's settings, read once from {@link LooplineConfig} so the topology is a pure
 * function of a typed value (tests build one with {@link #defaults()} and {@code with...} copies).
 *
 * <p>Durations accept ISO-8601 ({@code P14D}, {@code PT5M}) or a number with a unit suffix ({@code
 * 14d}, {@code 36h}, {@code 90m}, {@code 30s}, {@code 500ms}).
 *
 * @param retention how long events, predictions and corrections are held waiting for their partners
 *     ({@code collector.retention}, default 14 days, stream time)
 * @param predictionGrace how long after an event a joined correction waits for its prediction
 *     before it is written without one ({@code collector.prediction.grace}, default 5 minutes)
 * @param implicitEnabled whether auto-routed events with no correction become IMPLICIT examples
 *     ({@code collector.implicit.enabled}, default false)
 * @param implicitWindow how long an auto-route must stay uncorrected to count as confirmed ({@code
 *     collector.implicit.window}, default 1 day)
 * @param statsWindow size of the stats windows ({@code collector.stats.window}, default 1 hour)
 * @param statsRetention how long stats windows are kept ({@code collector.stats.retention}, default
 *     30 days)
 * @param recentRetention how long the recent-corrections feed keeps entries ({@code
 *     collector.recent.retention}, default 1 day)
 * @param punctuateInterval how often (stream time) expiry runs ({@code
 *     collector.punctuate.interval}, default 1 minute)
 * @param applicationId Kafka Streams application id ({@code collector.application.id})
 * @param stateDir Kafka Streams state directory ({@code collector.state.dir})
 * @param dlqTopic dead-letter topic for undecodable or invalid input records ({@code
 *     collector.dlq.topic}, default {@code corrections.dlq})
 * @param threads stream threads ({@code collector.threads}, default 1)
 * @param httpPort HTTP port for health, metrics and the read API ({@code collector.http.port},
 *     default 8083, 0 = ephemeral)
 * @param modelName the model whose versions the read API defaults to ({@code model.name})
 */
public record CollectorConfig(
    Duration retention,
    Duration predictionGrace,
    boolean implicitEnabled,
    Duration implicitWindow,
    Duration statsWindow,
    Duration statsRetention,
    Duration recentRetention,
    Duration punctuateInterval,
    String applicationId,
    Path stateDir,
    String dlqTopic,
    int threads,
    int httpPort,
    String modelName) {

  public static final String PREFIX = "collector.";

  public CollectorConfig {
    requirePositive("collector.retention", retention);
    requirePositive("collector.prediction.grace", predictionGrace);
    requirePositive("collector.implicit.window", implicitWindow);
    requirePositive("collector.stats.window", statsWindow);
    requirePositive("collector.recent.retention", recentRetention);
    requirePositive("collector.punctuate.interval", punctuateInterval);
    if (statsRetention.compareTo(statsWindow) < 0) {
      throw new ConfigException(
          "collector.stats.retention must be at least collector.stats.window");
    }
    if (threads < 1) {
      throw new ConfigException("collector.threads must be at least 1, got " + threads);
    }
    if (httpPort < 0 || httpPort > 65535) {
      throw new ConfigException("collector.http.port must be 0..65535, got " + httpPort);
    }
  }

  /** Built-in defaults with the default topic names (tests, benchmarks). */
  public static CollectorConfig defaults() {
    return from(LooplineConfig.of(java.util.Map.of()));
  }

  public static CollectorConfig from(LooplineConfig c) {
    Topics topics = Topics.from(c);
    return new CollectorConfig(
        duration(c, "collector.retention", Duration.ofDays(14)),
        duration(c, "collector.prediction.grace", Duration.ofMinutes(5)),
        c.getBoolean("collector.implicit.enabled", false),
        duration(c, "collector.implicit.window", Duration.ofDays(1)),
        duration(c, "collector.stats.window", Duration.ofHours(1)),
        duration(c, "collector.stats.retention", Duration.ofDays(30)),
        duration(c, "collector.recent.retention", Duration.ofDays(1)),
        duration(c, "collector.punctuate.interval", Duration.ofMinutes(1)),
        c.get("collector.application.id", "loopline-feedback-collector"),
        Path.of(
            c.get(
                "collector.state.dir",
                Path.of(System.getProperty("user.home"), ".loopline", "state", "collector")
                    .toString())),
        c.get("collector.dlq.topic", Topics.dlq(topics.corrections())),
        c.getInt("collector.threads", 1),
        c.getInt("collector.http.port", 8083),
        c.get("model.name", "tickets"));
  }

  public CollectorConfig withRetention(Duration d) {
    return new CollectorConfig(
        d,
        predictionGrace,
        implicitEnabled,
        implicitWindow,
        statsWindow,
        statsRetention,
        recentRetention,
        punctuateInterval,
        applicationId,
        stateDir,
        dlqTopic,
        threads,
        httpPort,
        modelName);
  }

  public CollectorConfig withImplicit(boolean enabled, Duration window) {
    return new CollectorConfig(
        retention,
        predictionGrace,
        enabled,
        window,
        statsWindow,
        statsRetention,
        recentRetention,
        punctuateInterval,
        applicationId,
        stateDir,
        dlqTopic,
        threads,
        httpPort,
        modelName);
  }

  /**
   * Parses {@code P14D}/{@code PT5M} or {@code 14d}/{@code 36h}/{@code 90m}/{@code 30s}/{@code ms}.
   */
  static Duration duration(LooplineConfig c, String key, Duration fallback) {
    String v = c.get(key);
    if (v == null || v.isBlank()) {
      return fallback;
    }
    try {
      return parseDuration(v);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          key
              + " must be a duration like P14D, PT5M, 14d, 36h, 90m, 30s or 500ms, got '"
              + v
              + "'");
    }
  }

  static Duration parseDuration(String raw) {
    String v = raw.trim().toLowerCase(Locale.ROOT);
    if (v.startsWith("p")) {
      try {
        return Duration.parse(v.toUpperCase(Locale.ROOT));
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(e);
      }
    }
    String[][] units = {
      {"ms", "1"}, {"d", "86400000"}, {"h", "3600000"}, {"m", "60000"}, {"s", "1000"}
    };
    for (String[] u : units) {
      if (v.endsWith(u[0])) {
        long n = Long.parseLong(v.substring(0, v.length() - u[0].length()).trim());
        return Duration.ofMillis(Math.multiplyExact(n, Long.parseLong(u[1])));
      }
    }
    return Duration.ofMillis(Long.parseLong(v));
  }

  private static void requirePositive(String key, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new ConfigException(key + " must be a positive duration, got " + d);
    }
  }
}
