package dev.loopline.feedback.http;

import dev.loopline.feedback.query.FeedbackQueries;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.streams.errors.InvalidStateStoreException;

/**
 * The collector's HTTP face: {@code /health} (liveness with status JSON), {@code /ready} (200 while
 * the stream threads run), {@code /metrics} (Prometheus), and the read API the ops console builds
 * on: {@code /api/stats/versions}, {@code /api/stats/confusion?version=}, {@code /api/triage},
 * {@code /api/corrections/recent}. Answers are JSON; while the stores are not queryable (start-up,
 * rebalance) the API answers 503.
 */
public final class CollectorHttpServer implements AutoCloseable {

  /** What /health and /ready report, supplied by the app. */
  public record Status(boolean ready, Map<String, Object> detail) {}

  private static final Instant ALL_FROM = Instant.EPOCH;
  private static final Instant ALL_TO = Instant.ofEpochMilli(Long.MAX_VALUE / 2);

  private final Javalin app;

  private CollectorHttpServer(Javalin app) {
    this.app = app;
  }

  /**
   * Starts on {@code port} (0 = ephemeral). {@code modelName} is the model a bare {@code version=N}
   * refers to.
   */
  public static CollectorHttpServer start(
      int port,
      PrometheusMeterRegistry registry,
      Supplier<Status> status,
      FeedbackQueries queries,
      String modelName) {
    return start(port, registry, status, queries, modelName, cfg -> {});
  }

  /**
   * As {@link #start(int, PrometheusMeterRegistry, Supplier, FeedbackQueries, String)}, with {@code
   * extra} applied to the server's configuration before it starts (the ops console adds its static
   * files, JSON mapper, auth and routes there).
   */
  public static CollectorHttpServer start(
      int port,
      PrometheusMeterRegistry registry,
      Supplier<Status> status,
      FeedbackQueries queries,
      String modelName,
      Consumer<JavalinConfig> extra) {
    Javalin app =
        Javalin.create(
                cfg -> {
                  cfg.showJavalinBanner = false;
                  extra.accept(cfg);
                })
            .get("/health", ctx -> ctx.json(status.get().detail()))
            .get(
                "/ready",
                ctx -> {
                  Status s = status.get();
                  ctx.status(s.ready() ? 200 : 503).json(s.detail());
                })
            .get(
                "/metrics",
                ctx ->
                    ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                        .result(registry.scrape()))
            .get(
                "/api/stats/versions",
                ctx ->
                    ctx.json(
                        queries.versions(
                            instant(ctx, "from", ALL_FROM), instant(ctx, "to", ALL_TO))))
            .get(
                "/api/stats/confusion",
                ctx -> {
                  String version = ctx.queryParam("version");
                  if (version == null || version.isBlank()) {
                    throw new IllegalArgumentException("version is required, e.g. version=3");
                  }
                  String key = version.contains(":") ? version : modelName + ":" + version;
                  ctx.json(
                      queries.confusion(
                          key, instant(ctx, "from", ALL_FROM), instant(ctx, "to", ALL_TO)));
                })
            .get("/api/triage", ctx -> ctx.json(queries.openTriage(limit(ctx, 100))))
            .get("/api/corrections/recent", ctx -> ctx.json(queries.recentFeedback(limit(ctx, 50))))
            .exception(
                IllegalArgumentException.class,
                (e, ctx) -> ctx.status(400).json(Map.of("error", e.getMessage())))
            .exception(
                InvalidStateStoreException.class,
                (e, ctx) ->
                    ctx.status(503)
                        .json(Map.of("error", "state not queryable yet: " + e.getMessage())));
    app.start(port);
    return new CollectorHttpServer(app);
  }

  public int port() {
    return app.port();
  }

  /** The server, so the ops console can add its pages and routes to the same port. */
  public Javalin javalin() {
    return app;
  }

  private static Instant instant(Context ctx, String name, Instant fallback) {
    String v = ctx.queryParam(name);
    if (v == null || v.isBlank()) {
      return fallback;
    }
    try {
      return Instant.parse(v);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(name + " must be an ISO-8601 instant, got '" + v + "'");
    }
  }

  private static int limit(Context ctx, int fallback) {
    String v = ctx.queryParam("limit");
    if (v == null || v.isBlank()) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(v);
      if (n < 0 || n > 10_000) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("limit must be 0..10000, got '" + v + "'");
    }
  }

  @Override
  public void close() {
    app.stop();
  }
}
