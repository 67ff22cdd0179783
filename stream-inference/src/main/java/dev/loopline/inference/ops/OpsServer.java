package dev.loopline.inference.ops;

import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.function.Supplier;

/**
 * The app's HTTP face for operators and orchestrators: {@code /health} (liveness, always 200 while
 * the process runs, with the status as JSON), {@code /ready} (200 only while a model serves and the
 * stream threads run; 503 with the reason otherwise) and {@code /metrics} (Prometheus).
 */
public final class OpsServer implements AutoCloseable {

  /** What the endpoints report; supplied by the app. */
  public record Status(boolean ready, String json) {}

  private final Javalin app;

  private OpsServer(Javalin app) {
    this.app = app;
  }

  public static OpsServer start(
      int port, PrometheusMeterRegistry registry, Supplier<Status> status) {
    Javalin app =
        Javalin.create(cfg -> cfg.showJavalinBanner = false)
            .get("/health", ctx -> ctx.contentType("application/json").result(status.get().json()))
            .get(
                "/ready",
                ctx -> {
                  Status s = status.get();
                  ctx.status(s.ready() ? 200 : 503)
                      .contentType("application/json")
                      .result(s.json());
                })
            .get(
                "/metrics",
                ctx ->
                    ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                        .result(registry.scrape()));
    app.start("0.0.0.0", port);
    return new OpsServer(app);
  }

  public int port() {
    return app.port();
  }

  @Override
  public void close() {
    app.stop();
  }
}
