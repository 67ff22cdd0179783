package dev.loopline.launcher.loop;

import dev.loopline.config.LooplineConfig;
import dev.loopline.launcher.EmbeddedLoop;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The one-line status of {@code loopline up}, every {@code demo.status.interval}: events/s scored,
 * the serving version, accuracy and triage rate over the latest predictions (against the
 * simulator's ground truth), corrections sent, when the next retrain is due, the latest
 * correction-to-production latency (and the promoted versions still waiting for their first
 * prediction), and the console's address.
 */
final class StatusPrinter implements EmbeddedLoop.Stage {

  private final DemoSettings demo;
  private final PredictionTracker tracker;
  private final RetrainStage retrain;
  private final AgentSimulator agent;
  private final IntSupplier consolePort;
  private final PrintWriter out;
  private ScheduledExecutorService timer;
  private long lastTotal;
  private long lastNanos;

  StatusPrinter(
      DemoSettings demo,
      PredictionTracker tracker,
      RetrainStage retrain,
      AgentSimulator agent,
      IntSupplier consolePort,
      PrintWriter out) {
    this.demo = demo;
    this.tracker = tracker;
    this.retrain = retrain;
    this.agent = agent;
    this.consolePort = consolePort;
    this.out = out;
  }

  @Override
  public String name() {
    return "status line";
  }

  @Override
  public EmbeddedLoop.Running start(LooplineConfig config) {
    lastTotal = tracker.total();
    lastNanos = System.nanoTime();
    if (!demo.statusInterval().isZero() && out != null) {
      timer =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "loopline-status");
                t.setDaemon(true);
                return t;
              });
      long ms = demo.statusInterval().toMillis();
      timer.scheduleAtFixedRate(this::print, ms, ms, TimeUnit.MILLISECONDS);
    }
    return new EmbeddedLoop.Running(
        List.of(
            new EmbeddedLoop.Endpoint(
                "Ops console", "feedback collector", "http://localhost:" + consolePort.getAsInt())),
        config,
        () -> {
          if (timer != null) {
            timer.shutdownNow();
          }
        });
  }

  private void print() {
    try {
      out.println(line());
      out.flush();
    } catch (RuntimeException e) {
      // A status line is not worth a stack trace; the next one will try again.
    }
  }

  /** The status line now. */
  String line() {
    long total = tracker.total();
    long now = System.nanoTime();
    double rate = (total - lastTotal) / Math.max(1e-3, (now - lastNanos) / 1e9);
    lastTotal = total;
    lastNanos = now;
    PredictionTracker.Window w = tracker.window();
    StringBuilder sb = new StringBuilder();
    sb.append(LocalTime.now(ZoneId.systemDefault()).truncatedTo(ChronoUnit.SECONDS)).append("  ");
    sb.append(String.format(Locale.ROOT, "%.1f ev/s", rate));
    sb.append(" | serving ").append(w.servingVersion() < 0 ? "-" : "v" + w.servingVersion());
    if (w.size() > 0) {
      sb.append(
          String.format(
              Locale.ROOT,
              " | accuracy %.1f%% (last %d) | triage %.0f%%",
              100 * w.accuracy(),
              w.size(),
              100 * w.triageRate()));
    }
    sb.append(" | corrections ").append(agent.sent());
    sb.append(" | next retrain: ").append(nextRetrain());
    Optional<RetrainStage.Latency> l = retrain.latestLatency();
    List<Integer> pending = retrain.pending();
    if (l.isPresent() || !pending.isEmpty()) {
      sb.append(" | correction->production");
      l.ifPresent(
          last ->
              sb.append(" v")
                  .append(last.version())
                  .append(' ')
                  .append(RetrainStage.human(last.latency())));
      if (!pending.isEmpty()) {
        sb.append(l.isEmpty() ? " " : ", ")
            .append(String.join(", ", pending.stream().map(v -> "v" + v).toList()))
            .append(" pending");
      }
    }
    sb.append(" | console http://localhost:").append(consolePort.getAsInt());
    return sb.toString();
  }

  private String nextRetrain() {
    if (retrain.retraining()) {
      return "running now";
    }
    StringBuilder sb = new StringBuilder();
    retrain
        .nextByTime()
        .ifPresent(
            t -> {
              Duration left = Duration.between(Instant.now(), t);
              sb.append(left.isNegative() ? "due" : "in " + RetrainStage.human(left));
            });
    if (demo.retrainMinNewLabels() > 0) {
      if (sb.length() > 0) {
        sb.append(" or ");
      }
      sb.append("at ")
          .append(retrain.newLabels())
          .append('/')
          .append(demo.retrainMinNewLabels())
          .append(" labels");
    }
    return sb.toString();
  }
}
