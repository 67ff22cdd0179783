package dev.loopline.feedback.console;

import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loopline.avro.Correction;
import dev.loopline.avro.Deployment;
import dev.loopline.avro.DeploymentAction;
import dev.loopline.avro.LabelSource;
import dev.loopline.avro.Lineage;
import dev.loopline.avro.Metrics;
import dev.loopline.avro.ModelVersion;
import dev.loopline.avro.Verdict;
import dev.loopline.config.LooplineConfig;
import dev.loopline.feedback.console.ConsoleAuth.Principal;
import dev.loopline.feedback.console.ConsoleAuth.Role;
import dev.loopline.feedback.query.FeedbackQueries;
import dev.loopline.topics.Topics;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.HttpStatus;
import io.javalin.http.SameSite;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import io.javalin.router.JavalinDefaultRouting;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ops console: a static page ({@code /console/}, Chart.js from its WebJar) over a JSON API on
 * the collector's own Javalin server. Reads: stats, confusion, triage, recent corrections, a
 * ticket, model history. Live: {@code /api/live} (server-sent events, from {@link LiveFeed}).
 * Writes (operators only): {@code POST /api/corrections} (resolve a triage/audit item, confirm or
 * re-route a ticket) and {@code POST /api/models/promote|rollback} (append a {@code Deployment}
 * with the user as actor).
 *
 * <p>Security: every {@code /api/*} request is authenticated and role-checked here, on the server
 * ({@link ConsoleAuth}); a strict Content-Security-Policy allows only this origin's scripts, and
 * JSON escapes {@code < > & '} so it is inert wherever it lands. The page renders every piece of
 * ticket text with {@code textContent}.
 */
public final class OpsConsole implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(OpsConsole.class);

  /** The Content-Security-Policy of every response. */
  public static final String CSP =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
          + " connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self';"
          + " frame-ancestors 'none'";

  private static final Set<LabelSource> HUMAN_SOURCES =
      Set.of(LabelSource.TRIAGE, LabelSource.AUDIT, LabelSource.CONFIRM, LabelSource.REROUTE);
  private static final int MAX_FIELD = 500;

  private final ConsoleAuth auth;
  private final FeedbackQueries queries;
  private final String modelName;
  private final ObjectMapper json;
  private final ModelRegistryView models;
  private final LiveFeed live;
  private final ConsoleWriter writer;
  private final Clock clock;

  private OpsConsole(
      ConsoleAuth auth,
      FeedbackQueries queries,
      String modelName,
      ObjectMapper json,
      ModelRegistryView models,
      LiveFeed live,
      ConsoleWriter writer,
      Clock clock) {
    this.auth = auth;
    this.queries = queries;
    this.modelName = modelName;
    this.json = json;
    this.models = models;
    this.live = live;
    this.writer = writer;
    this.clock = clock;
  }

  /**
   * Starts the console's Kafka clients (model registry view, live feed, writer). The topics must
   * exist. Pass {@link #configure} to the HTTP server's creation.
   */
  public static OpsConsole start(
      LooplineConfig config, Topics topics, FeedbackQueries queries, String modelName) {
    ConsoleAuth auth = ConsoleAuth.from(config);
    if (auth.enabled()) {
      LOG.info("ops console: token authentication on, viewer and operator roles");
    } else {
      LOG.warn(
          "ops console: no console.auth.tokens configured, so the console and its API answer"
              + " loopback clients only (as operator 'local'); set tokens to open it to others");
    }
    ObjectMapper json = htmlSafeMapper();
    ModelRegistryView models = null;
    LiveFeed live = null;
    try {
      models = ModelRegistryView.start(config, topics);
      live = LiveFeed.start(config, topics.feedback(), json);
      return new OpsConsole(
          auth,
          queries,
          modelName,
          json,
          models,
          live,
          new ConsoleWriter(config, topics),
          Clock.systemUTC());
    } catch (RuntimeException e) {
      if (live != null) {
        live.close();
      }
      if (models != null) {
        models.close();
      }
      throw e;
    }
  }

  /**
   * A Jackson mapper that writes {@code < > & '} as unicode escapes, so JSON is inert if it ever
   * lands in HTML; the HTTP server uses it for every JSON answer.
   */
  public static ObjectMapper htmlSafeMapper() {
    ObjectMapper m = new ObjectMapper();
    m.getFactory()
        .setCharacterEscapes(
            new CharacterEscapes() {
              private final int[] escapes = standardAsciiEscapesForJSON();

              {
                escapes['<'] = ESCAPE_STANDARD;
                escapes['>'] = ESCAPE_STANDARD;
                escapes['&'] = ESCAPE_STANDARD;
                escapes['\''] = ESCAPE_STANDARD;
              }

              @Override
              public int[] getEscapeCodesForAscii() {
                return escapes;
              }

              @Override
              public SerializableString getEscapeSequence(int ch) {
                return null;
              }
            });
    return m;
  }

  /** Adds the console's static files, JSON mapper, security headers, auth and routes. */
  public void configure(JavalinConfig cfg) {
    cfg.jsonMapper(new JavalinJackson(json, false));
    cfg.staticFiles.add(
        sf -> {
          sf.hostedPath = "/console";
          sf.directory = "/console";
          sf.location = Location.CLASSPATH;
          sf.headers = Map.of("Cache-Control", "no-cache");
        });
    cfg.staticFiles.enableWebjars();
    cfg.router.mount(this::routes);
  }

  private void routes(JavalinDefaultRouting r) {
    r.before(
        ctx -> {
          ctx.header("Content-Security-Policy", CSP);
          ctx.header("X-Content-Type-Options", "nosniff");
          ctx.header("Referrer-Policy", "no-referrer");
          ctx.header("X-Frame-Options", "DENY");
        });
    r.get("/", ctx -> ctx.redirect("/console/"));
    r.post("/console/login", this::login);
    r.post("/console/logout", this::logout);
    r.before("/api/*", this::guard);
    r.get("/api/whoami", ctx -> ctx.json(principal(ctx)));
    r.get("/api/tickets/{id}", this::ticket);
    r.get("/api/models", ctx -> ctx.json(modelsView(models.snapshot(modelName))));
    r.sse("/api/live", live::connect);
    r.post("/api/corrections", this::correct);
    r.post("/api/models/promote", this::promote);
    r.post("/api/models/rollback", this::rollback);
    r.exception(
        ConflictException.class,
        (e, ctx) -> ctx.status(HttpStatus.CONFLICT).json(Map.of("error", e.getMessage())));
    r.exception(
        IllegalStateException.class,
        (e, ctx) -> {
          LOG.warn("console request {} {} failed: {}", ctx.method(), ctx.path(), e.getMessage());
          ctx.status(HttpStatus.SERVICE_UNAVAILABLE).json(Map.of("error", e.getMessage()));
        });
  }

  /** Authenticates every API call and lets only operators write. */
  private void guard(Context ctx) {
    Principal p = auth.authenticate(ctx).orElse(null);
    if (p == null) {
      if (auth.enabled()) {
        ctx.header("WWW-Authenticate", "Bearer realm=\"loopline\"");
        ctx.status(HttpStatus.UNAUTHORIZED).json(Map.of("error", "a console token is required"));
      } else {
        ctx.status(HttpStatus.FORBIDDEN)
            .json(Map.of("error", "no console tokens configured: open to loopback clients only"));
      }
      ctx.skipRemainingHandlers();
      return;
    }
    ctx.attribute("principal", p);
    boolean write = !ctx.method().name().equals("GET") && !ctx.method().name().equals("HEAD");
    if (write && p.role() != Role.OPERATOR) {
      ctx.status(HttpStatus.FORBIDDEN)
          .json(Map.of("error", "the operator role is required (you are " + p.role() + ")"));
      ctx.skipRemainingHandlers();
      return;
    }
    if (write && ctx.header("Authorization") == null) {
      // Cookie-authenticated writes must be JSON: a cross-site form cannot send that without a
      // CORS preflight, which this server never grants (the cookie is SameSite=Strict as well).
      String type = ctx.contentType();
      if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
        ctx.status(HttpStatus.UNSUPPORTED_MEDIA_TYPE)
            .json(Map.of("error", "writes must be application/json"));
        ctx.skipRemainingHandlers();
      }
    }
  }

  private static Principal principal(Context ctx) {
    return ctx.attribute("principal");
  }

  private void login(Context ctx) {
    String token = ctx.formParam("token");
    if (auth.forToken(token).isEmpty()) {
      ctx.redirect("/console/?login=failed", HttpStatus.SEE_OTHER);
      return;
    }
    Cookie c =
        new Cookie(
            ConsoleAuth.COOKIE,
            token.trim(),
            "/",
            -1,
            ctx.scheme().equals("https"),
            0,
            true,
            null,
            null,
            SameSite.STRICT);
    ctx.cookie(c);
    ctx.redirect("/console/", HttpStatus.SEE_OTHER);
  }

  private void logout(Context ctx) {
    ctx.removeCookie(ConsoleAuth.COOKIE, "/");
    ctx.redirect("/console/", HttpStatus.SEE_OTHER);
  }

  private void ticket(Context ctx) {
    String id = ctx.pathParam("id");
    queries
        .ticket(id)
        .ifPresentOrElse(
            ctx::json,
            () ->
                ctx.status(HttpStatus.NOT_FOUND)
                    .json(
                        Map.of(
                            "error",
                            "this instance holds no event or prediction with that id (it may"
                                + " live on another instance, or be past retention)")));
  }

  private JsonNode body(Context ctx) {
    try {
      JsonNode n = json.readTree(ctx.body());
      if (n == null || !n.isObject()) {
        throw new IllegalArgumentException("the body must be a JSON object");
      }
      return n;
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("the body is not valid JSON");
    }
  }

  private static String text(JsonNode body, String field, boolean required) {
    JsonNode n = body.get(field);
    String v = n == null || n.isNull() ? null : n.asText().trim();
    if (required && (v == null || v.isEmpty())) {
      throw new IllegalArgumentException(field + " is required");
    }
    if (v != null && v.length() > MAX_FIELD) {
      throw new IllegalArgumentException(field + " is longer than " + MAX_FIELD + " characters");
    }
    return v == null || v.isEmpty() ? null : v;
  }

  /** {@code POST /api/corrections {eventId, label, source, note?}}. */
  private void correct(Context ctx) {
    JsonNode b = body(ctx);
    String eventId = text(b, "eventId", true);
    String label = text(b, "label", true);
    String sourceName = text(b, "source", true);
    LabelSource source;
    try {
      source = LabelSource.valueOf(sourceName);
    } catch (IllegalArgumentException e) {
      source = null;
    }
    if (source == null || !HUMAN_SOURCES.contains(source)) {
      throw new IllegalArgumentException(
          "source must be one of TRIAGE, AUDIT, CONFIRM, REROUTE, got '" + sourceName + "'");
    }
    Correction c =
        Correction.newBuilder()
            .setEventId(eventId)
            .setLabel(label)
            .setAgent(principal(ctx).name())
            .setCorrectedAt(clock.instant())
            .setSource(source)
            .setNote(text(b, "note", false))
            .build();
    writer.correct(c);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("eventId", c.getEventId());
    out.put("label", c.getLabel());
    out.put("source", c.getSource().name());
    out.put("agent", c.getAgent());
    out.put("correctedAt", c.getCorrectedAt().toString());
    ctx.status(HttpStatus.ACCEPTED).json(out);
  }

  /** {@code POST /api/models/promote {version, reason, force?}}, as {@code models promote}. */
  private void promote(Context ctx) {
    JsonNode b = body(ctx);
    int version = intField(b, "version");
    String reason = text(b, "reason", true);
    boolean force = b.path("force").asBoolean(false);
    ModelRegistryView.Snapshot s = models.snapshot(modelName);
    ModelVersion v = require(s, version);
    if (v.getVerdict() == Verdict.REJECTED && !force) {
      throw new ConflictException(
          "v" + version + " was REJECTED (" + v.getReason() + "); confirm with force to promote");
    }
    Integer previous = s.current().map(Deployment::getVersion).orElse(null);
    if (previous != null && previous == version) {
      throw new ConflictException("v" + version + " already serves");
    }
    Deployment d =
        writer.deploy(
            v, DeploymentAction.PROMOTE, principal(ctx).name(), reason, previous, clock.instant());
    ctx.status(HttpStatus.ACCEPTED).json(deploymentView(d));
  }

  /** {@code POST /api/models/rollback {to?, reason}}, as {@code models rollback}. */
  private void rollback(Context ctx) {
    JsonNode b = body(ctx);
    String reason = text(b, "reason", true);
    ModelRegistryView.Snapshot s = models.snapshot(modelName);
    Deployment current =
        s.current()
            .orElseThrow(
                () -> new ConflictException("nothing serves " + modelName + " yet: no rollback"));
    int target;
    if (b.hasNonNull("to")) {
      target = intField(b, "to");
    } else {
      target = -1;
      for (int i = s.deployments().size() - 2; i >= 0; i--) {
        if (s.deployments().get(i).getVersion() != current.getVersion()) {
          target = s.deployments().get(i).getVersion();
          break;
        }
      }
      if (target < 0) {
        throw new ConflictException(
            "no earlier version served " + modelName + " than v" + current.getVersion());
      }
    }
    ModelVersion v = require(s, target);
    Deployment d =
        writer.deploy(
            v,
            DeploymentAction.ROLLBACK,
            principal(ctx).name(),
            reason,
            current.getVersion(),
            clock.instant());
    ctx.status(HttpStatus.ACCEPTED).json(deploymentView(d));
  }

  private static int intField(JsonNode b, String field) {
    JsonNode n = b.get(field);
    if (n == null || !n.canConvertToInt() || n.asInt() < 1) {
      throw new IllegalArgumentException(field + " must be a version number");
    }
    return n.asInt();
  }

  private ModelVersion require(ModelRegistryView.Snapshot s, int version) {
    ModelVersion v = s.versions().get(version);
    if (v == null) {
      throw new IllegalArgumentException(
          "no version "
              + version
              + " of "
              + modelName
              + " (highest "
              + (s.versions().isEmpty() ? 0 : s.versions().lastKey())
              + ")");
    }
    return v;
  }

  /**
   * Versions with metrics, status, when each served and its correction-to-production latency (from
   * its lineage); the latest measured latency on its own; deployments newest first.
   */
  static Map<String, Object> modelsView(ModelRegistryView.Snapshot s) {
    Map<Integer, List<Map<String, String>>> served = new TreeMap<>();
    List<Deployment> ds = s.deployments();
    for (int i = 0; i < ds.size(); i++) {
      Deployment d = ds.get(i);
      boolean sameAsBefore = i > 0 && ds.get(i - 1).getVersion() == d.getVersion();
      if (sameAsBefore) {
        continue; // a shadow change keeps the serving version
      }
      String until = null;
      for (int j = i + 1; j < ds.size(); j++) {
        if (ds.get(j).getVersion() != d.getVersion()) {
          until = ds.get(j).getDeployedAt().toString();
          break;
        }
      }
      Map<String, String> span = new LinkedHashMap<>();
      span.put("from", d.getDeployedAt().toString());
      span.put("to", until);
      served.computeIfAbsent(d.getVersion(), k -> new ArrayList<>()).add(span);
    }
    Integer serving = s.current().map(Deployment::getVersion).orElse(null);
    Integer shadow = s.current().map(Deployment::getShadowVersion).orElse(null);
    List<Map<String, Object>> versions = new ArrayList<>();
    Map<String, Object> latestLatency = null;
    for (ModelVersion v : s.versions().descendingMap().values()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("version", v.getVersion());
      String status;
      if (serving != null && serving == v.getVersion()) {
        status = "SERVING";
      } else if (shadow != null && shadow == v.getVersion()) {
        status = "SHADOW";
      } else if (served.containsKey(v.getVersion())) {
        status = "RETIRED";
      } else {
        status = v.getVerdict().name();
      }
      m.put("status", status);
      m.put("verdict", v.getVerdict().name());
      m.put("reason", v.getReason());
      m.put("createdAt", v.getCreatedAt().toString());
      m.put("metrics", metrics(v.getMetrics()));
      m.put("productionMetrics", metrics(v.getProductionMetrics()));
      m.put("served", served.getOrDefault(v.getVersion(), List.of()));
      Map<String, Object> latency = correctionToProduction(v);
      m.put("correctionToProduction", latency);
      if (latestLatency == null && latency != null && latency.get("millis") != null) {
        latestLatency = new LinkedHashMap<>(latency);
        latestLatency.put("version", v.getVersion());
      }
      versions.add(m);
    }
    List<Map<String, Object>> history = new ArrayList<>();
    for (int i = ds.size() - 1; i >= 0; i--) {
      history.add(deploymentView(ds.get(i)));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("model", s.modelName());
    out.put("serving", serving);
    out.put("shadow", shadow);
    out.put("latestCorrectionToProduction", latestLatency);
    out.put("versions", versions);
    out.put("deployments", history);
    return out;
  }

  /**
   * How long it took from the correction that made the version's retrain due to its first
   * prediction in production: {@code millis} (null while pending: promoted, no prediction seen
   * yet), the triggering correction's event id and time. Null when the lineage names no triggering
   * correction (a version from the seed set, or one made by a plain {@code loopline retrain}).
   */
  static Map<String, Object> correctionToProduction(ModelVersion v) {
    Lineage l = v.getLineage();
    if (l == null || l.getTriggeringCorrectionAt() == null) {
      return null;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("millis", l.getCorrectionToProductionMillis());
    out.put("triggeringEventId", l.getTriggeringCorrectionEventId());
    out.put("triggeringCorrectionAt", l.getTriggeringCorrectionAt().toString());
    return out;
  }

  private static Map<String, Object> metrics(Metrics m) {
    if (m == null) {
      return null;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("examples", m.getExamples());
    out.put("accuracy", finite(m.getAccuracy()));
    out.put("macroF1", finite(m.getMacroF1()));
    out.put("triageRate", finite(m.getTriageRate()));
    return out;
  }

  private static Double finite(double d) {
    return Double.isFinite(d) ? d : null;
  }

  static Map<String, Object> deploymentView(Deployment d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("deployedAt", d.getDeployedAt().toString());
    m.put("action", d.getAction().name());
    m.put("version", d.getVersion());
    m.put("previousVersion", d.getPreviousVersion());
    m.put("shadowVersion", d.getShadowVersion());
    m.put("actorType", d.getActorType().name());
    m.put("actor", d.getActor());
    m.put("reason", d.getReason());
    return m;
  }

  /** Connected live-feed clients. */
  public int liveClients() {
    return live.clients();
  }

  /** A request that conflicts with the current model state (409). */
  static final class ConflictException extends RuntimeException {
    ConflictException(String message) {
      super(message);
    }
  }

  @Override
  public void close() {
    live.close();
    models.close();
    writer.close();
  }
}
