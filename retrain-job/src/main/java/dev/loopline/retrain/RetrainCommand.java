package dev.loopline.retrain;

import dev.loopline.config.LooplineConfig;
import dev.loopline.retrain.job.RetrainResult;
import dev.loopline.retrain.job.RetrainSettings;
import dev.loopline.retrain.job.TrainingProgress;
import dev.loopline.retrain.schedule.RetrainScheduler;
import dev.loopline.retrain.schedule.Schedule;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code loopline retrain}: one retraining run, or with {@code --every}/{@code --min-new-labels} a
 * scheduler that keeps running and retrains when due. Also the main class of the job jar for {@code
 * flink run} (there with {@code --config} and {@code -D retrain.flink.mode=context}).
 */
@Command(
    name = "retrain",
    mixinStandardHelpOptions = true,
    description = {
      "Retrain the model on the feedback topic (Apache Flink), evaluate it against production on"
          + " the same holdout, and publish it (promoted, candidate or rejected).",
      "Without --every/--min-new-labels: run once. Exit codes: 0 published (any verdict), 1"
          + " failed, 2 usage, 3 not enough data (nothing published), 5 skipped (another run"
          + " holds the lock)."
    })
public final class RetrainCommand implements Callable<Integer> {

  static final int FAILED = 1;
  static final int NOT_ENOUGH_DATA = 3;
  static final int SKIPPED = 5;

  @Spec CommandSpec spec;

  @Option(
      names = "--every",
      paramLabel = "DURATION",
      description =
          "Keep running; retrain at this interval (6h, 30m, 90s, PT6H) if anything is new.")
  String every;

  @Option(
      names = "--min-new-labels",
      paramLabel = "N",
      description = "Keep running; retrain as soon as N new feedback records arrived.")
  Long minNewLabels;

  @Option(
      names = "--bootstrap",
      paramLabel = "FILE",
      description = "JSON-lines file of labeled seed examples (source BOOTSTRAP).")
  Path bootstrap;

  @Option(
      names = "--labels",
      paramLabel = "L1,L2,...",
      description = "The model's label set (model.labels); default: production's, else the data's.")
  String labels;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Properties file; only needed when run standalone (flink run).")
  Path configFile;

  @Option(
      names = "-D",
      paramLabel = "KEY=VALUE",
      description = "Config override (standalone use; under loopline use the global -D).")
  Map<String, String> overrides = new LinkedHashMap<>();

  @Option(
      names = "--once",
      description =
          "With --every/--min-new-labels: check once, run only if due, then exit (for cron).")
  boolean once;

  @Option(names = "--no-progress", description = "Do not draw the training progress bar.")
  boolean noProgress;

  private final Supplier<LooplineConfig> configSupplier;
  private final RetrainService service;

  public RetrainCommand(Supplier<LooplineConfig> config) {
    this(config, new RetrainService());
  }

  public RetrainCommand() {
    this(null, new RetrainService());
  }

  RetrainCommand(Supplier<LooplineConfig> config, RetrainService service) {
    this.configSupplier = config;
    this.service = service;
  }

  /** Standalone entry point (the job jar's main class for {@code flink run}). */
  public static void main(String[] args) {
    CommandLine cl = new CommandLine(new RetrainCommand());
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          cl.getErr().println("retrain: " + ex.getMessage());
          return 2;
        });
    cl.setExecutionExceptionHandler(
        (ex, c, r) -> {
          Throwable root = ex;
          while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
          }
          c.getErr()
              .println(
                  "retrain: "
                      + ex.getMessage()
                      + (root == ex ? "" : " (cause: " + root.getMessage() + ")"));
          return ex instanceof LooplineConfig.ConfigException ? 2 : 1;
        });
    System.exit(cl.execute(args));
  }

  LooplineConfig config() {
    Map<String, String> extra = new LinkedHashMap<>(overrides);
    if (bootstrap != null) {
      if (!Files.isRegularFile(bootstrap)) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "bootstrap file not found: " + bootstrap);
      }
      extra.put(RetrainSettings.BOOTSTRAP_FILE, bootstrap.toAbsolutePath().toString());
    }
    if (labels != null) {
      extra.put(RetrainSettings.LABELS, labels);
    }
    return CommandConfig.load(spec, configFile, configSupplier, extra);
  }

  @Override
  public Integer call() throws Exception {
    LooplineConfig config = config();
    PrintWriter out = spec.commandLine().getOut();
    Schedule schedule = null;
    if (every != null || minNewLabels != null) {
      try {
        schedule =
            new Schedule(
                every == null ? null : Schedule.parseDuration(every),
                minNewLabels == null ? 0 : minNewLabels);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
    }
    try (AutoCloseable bar = progressBar(config)) {
      if (schedule == null) {
        RetrainResult r = service.runOnce(config);
        out.println(r.summary());
        report(out, r);
        return exitCode(r);
      }
      RetrainScheduler scheduler =
          new RetrainScheduler(
              service,
              config,
              schedule,
              RetrainScheduler.checkInterval(config, schedule),
              Clock.systemUTC());
      if (once) {
        Optional<RetrainResult> r = scheduler.checkOnce();
        if (r.isEmpty()) {
          out.println(config.get("model.name") + ": not due, nothing to do");
          return 0;
        }
        out.println(r.get().summary());
        report(out, r.get());
        return exitCode(r.get());
      }
      Runtime.getRuntime().addShutdownHook(new Thread(scheduler::stop, "retrain-scheduler-stop"));
      out.printf(
          Locale.ROOT,
          "retrain scheduler for %s: every %s, min new labels %s (Ctrl-C to stop)%n",
          config.get("model.name"),
          every == null ? "-" : every,
          minNewLabels == null ? "-" : minNewLabels);
      out.flush();
      scheduler.run(
          r -> {
            out.println(r.summary());
            report(out, r);
            out.flush();
          });
      return 0;
    }
  }

  static int exitCode(RetrainResult r) {
    return switch (r.status) {
      case PUBLISHED -> 0;
      case NOT_ENOUGH_DATA -> NOT_ENOUGH_DATA;
      case SKIPPED -> SKIPPED;
      case FAILED -> FAILED;
    };
  }

  private static void report(PrintWriter out, RetrainResult r) {
    if (r.published()) {
      out.printf(
          Locale.ROOT,
          "  holdout macro-F1 (gate sources): candidate %.4f, production %s; recent slice:"
              + " candidate %.4f, production %s%n",
          r.candidateMacroF1,
          Double.isNaN(r.productionMacroF1)
              ? "-"
              : String.format(Locale.ROOT, "%.4f", r.productionMacroF1),
          r.recentCandidateMacroF1,
          Double.isNaN(r.recentProductionMacroF1)
              ? "-"
              : String.format(Locale.ROOT, "%.4f", r.recentProductionMacroF1));
      out.printf(Locale.ROOT, "  artifact %s sha256 %s%n", r.artifactUri, r.sha256);
    }
    for (String e : r.excluded) {
      out.println("  excluded " + e);
    }
    for (String n : r.notes) {
      out.println("  note: " + n);
    }
    out.printf(Locale.ROOT, "  took %.1f s%n", r.elapsedMillis / 1000.0);
  }

  /** A one-line progress bar on stderr, fed by the in-JVM training task (local mode only). */
  private AutoCloseable progressBar(LooplineConfig config) {
    if (noProgress || "context".equals(config.get("retrain.flink.mode", "local"))) {
      return () -> {};
    }
    PrintWriter err = spec.commandLine().getErr();
    AutoCloseable sub =
        TrainingProgress.subscribe(
            (epoch, epochs, loss, valLoss, perSec) -> {
              err.print("\r" + ProgressBar.render(epoch, epochs, loss, valLoss, perSec));
              err.flush();
            });
    return () -> {
      sub.close();
      err.println();
      err.flush();
    };
  }

  /** The text of the progress bar. */
  static final class ProgressBar {
    private ProgressBar() {}

    static String render(int epoch, int epochs, double loss, double valLoss, long perSec) {
      int width = 20;
      int done = epochs <= 0 ? width : Math.min(width, epoch * width / epochs);
      return String.format(
          Locale.ROOT,
          "training [%s%s] epoch %d/%d loss %.4f val %.4f %,d ex/s",
          "#".repeat(done),
          "-".repeat(width - done),
          epoch,
          epochs,
          loss,
          valLoss,
          perSec);
    }
  }
}
