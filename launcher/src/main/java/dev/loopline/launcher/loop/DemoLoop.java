package dev.loopline.launcher.loop;

import dev.loopline.config.LooplineConfig;
import dev.loopline.feedback.CollectorApp;
import dev.loopline.inference.ScoringApp;
import dev.loopline.launcher.EmbeddedLoop;
import dev.loopline.launcher.sim.TicketGenerator;
import dev.loopline.retrain.RetrainService;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The stages of the whole loop after the platform, in start order: bootstrap v1, scoring app,
 * feedback collector (with the console's HTTP server), prediction tracker, retrain scheduler,
 * traffic, agent, status line. Built from the configuration the platform stage hands on plus {@link
 * LoopWorkspace} defaults; exposes the live parts (ground truth, latencies, counters) for the
 * status line and for tests.
 */
public final class DemoLoop {

  private final Path dir;
  private final boolean anyPorts;
  private final PrintWriter out;
  private DemoSettings demo;
  private TrafficSimulator traffic;
  private PredictionTracker tracker;
  private RetrainStage retrain;
  private AgentSimulator agent;
  private volatile ScoringApp scoring;
  private volatile CollectorApp collector;

  /**
   * @param dir the loop's own state (model store, Streams state, seed set): {@code <data dir>/loop}
   * @param anyPorts HTTP endpoints on any free port
   * @param out where the status line goes (null: nowhere)
   */
  public DemoLoop(Path dir, boolean anyPorts, PrintWriter out) {
    this.dir = dir;
    this.anyPorts = anyPorts;
    this.out = out;
  }

  /**
   * The first stage: reads the demo settings from the configuration the platform produced and
   * builds the others, so every {@code demo.*} and component setting comes from the one config.
   */
  private final class Setup implements EmbeddedLoop.Stage {
    @Override
    public String name() {
      return "loop settings";
    }

    @Override
    public EmbeddedLoop.Running start(LooplineConfig config) {
      LooplineConfig c = LoopWorkspace.configure(config, dir, anyPorts);
      demo = DemoSettings.from(c);
      return new EmbeddedLoop.Running(List.of(), c, () -> {});
    }
  }

  /**
   * The stages to run after the platform stage, in order. All but the first are created when their
   * turn comes (their settings are known once {@link Setup} ran), hence {@link Lazy}.
   */
  public List<EmbeddedLoop.Stage> stages() {
    RetrainService service = new RetrainService();
    List<EmbeddedLoop.Stage> all = new ArrayList<>();
    all.add(new Setup());
    all.add(
        new Lazy(
            "bootstrap (version 1 from the seed set)", c -> new BootstrapStage(demo, service)));
    all.add(
        new Lazy(
            "scoring app",
            c ->
                new Simple(
                    "scoring app",
                    cfg -> {
                      scoring = ScoringApp.start(cfg);
                      return new EmbeddedLoop.Running(
                          List.of(
                              new EmbeddedLoop.Endpoint(
                                  "Scoring app (Kafka Streams)",
                                  "/health /ready /metrics",
                                  "http://localhost:" + scoring.httpPort())),
                          cfg,
                          scoring);
                    })));
    all.add(
        new Lazy(
            "feedback collector",
            c ->
                new Simple(
                    "feedback collector",
                    cfg -> {
                      collector = CollectorApp.start(cfg);
                      return new EmbeddedLoop.Running(List.of(), cfg, collector);
                    })));
    all.add(
        new Lazy(
            "prediction tracker",
            c -> {
              List<String> labels = labels(c);
              traffic = new TrafficSimulator(demo, labels);
              tracker = new PredictionTracker(traffic::labelOf, demo.accuracyWindow());
              return tracker;
            }));
    all.add(new Lazy("retrain scheduler", c -> retrain = new RetrainStage(demo, service, tracker)));
    all.add(new Lazy("traffic simulator", c -> traffic));
    all.add(
        new Lazy(
            "simulated agent", c -> agent = new AgentSimulator(demo, labels(c), traffic::labelOf)));
    all.add(
        new Lazy(
            "status line",
            c ->
                new StatusPrinter(
                    demo,
                    tracker,
                    retrain,
                    agent,
                    () -> collector == null ? -1 : collector.httpPort(),
                    out)));
    return all;
  }

  private static List<String> labels(LooplineConfig c) {
    String l = c.get("model.labels");
    return l == null ? TicketGenerator.DEFAULT_LABELS : List.of(l.split("\\s*,\\s*"));
  }

  /** The true label of a simulated event id (null for others). */
  public String trueLabel(String eventId) {
    return traffic == null ? null : traffic.labelOf(eventId);
  }

  /** Whether a simulated event's wording may have drifted (its index is past the drift point). */
  public boolean afterDrift(String eventId) {
    return traffic != null && traffic.afterDrift(eventId);
  }

  /** Events the simulator sent in all runs so far (the next ticket index). */
  public long eventsSentInAllRuns() {
    return traffic == null ? 0 : traffic.nextIndex();
  }

  /** The ticket index this run's traffic started at. */
  public long firstIndexOfThisRun() {
    return traffic == null ? 0 : traffic.firstIndex();
  }

  /** Corrections the agent sent in this run. */
  public long correctionsSent() {
    return agent == null ? 0 : agent.sent();
  }

  /** Latency of each promoted version whose first prediction was seen in this run. */
  public List<VersionLatency> latencies() {
    return retrain == null
        ? List.of()
        : retrain.latencies().stream()
            .map(
                l ->
                    new VersionLatency(
                        l.version(),
                        l.trigger().eventId(),
                        l.trigger().correctedAt(),
                        l.firstPrediction(),
                        l.latency().toMillis()))
            .toList();
  }

  /** Predictions stamped with {@code version} seen in this run. */
  public long predictionsBy(int version) {
    return tracker == null ? 0 : tracker.count(version);
  }

  /** Predictions stamped with {@code minVersion} or later seen in this run. */
  public long predictionsFrom(int minVersion) {
    return tracker == null ? 0 : tracker.countFrom(minVersion);
  }

  /** The version serving, from the latest prediction seen (-1 before any). */
  public int servingVersion() {
    return tracker == null ? -1 : tracker.window().servingVersion();
  }

  public ScoringApp scoring() {
    return scoring;
  }

  public CollectorApp collector() {
    return collector;
  }

  /** Correction-to-production latency of one promoted version. */
  public record VersionLatency(
      int version,
      String triggeringEventId,
      Instant triggeringCorrectionAt,
      Instant firstPrediction,
      long millis) {}

  /** A stage with a fixed name whose start is a function. */
  private record Simple(String name, Starter starter) implements EmbeddedLoop.Stage {
    @Override
    public EmbeddedLoop.Running start(LooplineConfig config) throws Exception {
      return starter.start(config);
    }
  }

  private interface Starter {
    EmbeddedLoop.Running start(LooplineConfig config) throws Exception;
  }

  private interface Factory {
    EmbeddedLoop.Stage create(LooplineConfig config) throws Exception;
  }

  /** A stage built when its turn comes, from the configuration so far. */
  private record Lazy(String name, Factory factory) implements EmbeddedLoop.Stage {
    @Override
    public EmbeddedLoop.Running start(LooplineConfig config) throws Exception {
      return factory.create(config).start(config);
    }
  }
}
