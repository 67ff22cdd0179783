package dev.loopline.backtest;

import dev.loopline.config.LooplineConfig;
import dev.loopline.model.policy.DecisionPolicy;
import dev.loopline.retrain.CommandConfig;
import dev.loopline.retrain.RetrainService;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code loopline backtest}: replay a time range of events through model versions and report how
 * each would have done against the final labels, next to what actually served. Writes a terminal
 * table, {@code backtest.json} and a self-contained {@code backtest.html}.
 */
@Command(
    name = "backtest",
    mixinStandardHelpOptions = true,
    description = {
      "Replay a time range of events through one or more model versions (Apache Flink, batch),"
          + " join the final labels and what served, and report per-version metrics.",
      "Exit codes: 0 report written, 1 failed, 2 usage, 3 no events in the range, 4 unknown"
          + " version or artifact failing verification, 5 no labels (partial report written)."
    })
public final class BacktestCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--from",
      required = true,
      paramLabel = "TIME",
      description = "Start of the range, inclusive (2026-03-01T00:00:00Z or 2026-03-01).")
  String from;

  @Option(
      names = "--to",
      required = true,
      paramLabel = "TIME",
      description = "End of the range, exclusive.")
  String to;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "NAME:VERSION",
      description = "A version to replay; repeat for several (the first names the served model).")
  List<String> models = new ArrayList<>();

  @Option(
      names = "--thresholds",
      split = ",",
      paramLabel = "P|LABEL=P",
      description = "Auto-route thresholds: a default (0.8) and/or per label (Billing=0.9).")
  List<String> thresholds = new ArrayList<>();

  @Option(names = "--slice", paramLabel = "ATTRIBUTE", description = "Slice by this attribute.")
  String slice;

  @Option(
      names = "--include-trained",
      description = "Keep (and flag) events a version or its ancestors trained on.")
  boolean includeTrained;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description = "Where backtest.json and backtest.html go (default: current directory).")
  Path out = Path.of(".");

  @Option(names = "--no-progress", description = "Do not draw the progress bar.")
  boolean noProgress;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Properties file; only needed when run standalone (flink run).")
  Path configFile;

  @Option(names = "-D", paramLabel = "KEY=VALUE", description = "Config override (standalone).")
  Map<String, String> overrides = new LinkedHashMap<>();

  private final Supplier<LooplineConfig> configSupplier;

  public BacktestCommand(Supplier<LooplineConfig> config) {
    this.configSupplier = config;
  }

  public BacktestCommand() {
    this(null);
  }

  /** Standalone entry point (e.g. the main class for {@code flink run}). */
  public static void main(String[] args) {
    System.exit(commandLine(new BacktestCommand()).execute(args));
  }

  /** A command line with the one-line error policy (usage 2, failures 1 or the code named). */
  static CommandLine commandLine(BacktestCommand command) {
    CommandLine cl = new CommandLine(command);
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          cl.getErr().println("backtest: " + ex.getMessage());
          return 2;
        });
    cl.setExecutionExceptionHandler(
        (ex, c, r) -> {
          c.getErr().println("backtest: " + ex.getMessage());
          if (ex instanceof BacktestException b) {
            return b.exitCode();
          }
          return ex instanceof LooplineConfig.ConfigException ? 2 : 1;
        });
    return cl;
  }

  /** {@code 2026-03-01T10:00:00Z}, {@code 2026-03-01T10:00:00+02:00} or {@code 2026-03-01}. */
  static Instant parseTime(String option, String s) {
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      try {
        return java.time.OffsetDateTime.parse(s).toInstant();
      } catch (DateTimeParseException e2) {
        try {
          return LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException e3) {
          throw new IllegalArgumentException(
              option + ": '" + s + "' is not a time (2026-03-01T00:00:00Z or 2026-03-01)");
        }
      }
    }
  }

  /** {@code 0.8} sets the default threshold, {@code Billing=0.9} one label's. */
  static Map<String, String> policyOverrides(List<String> items) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String item : items) {
      String t = item.trim();
      if (t.isEmpty()) {
        continue;
      }
      int eq = t.lastIndexOf('=');
      String key =
          eq < 0
              ? DecisionPolicy.THRESHOLD_DEFAULT
              : DecisionPolicy.THRESHOLD_PREFIX + t.substring(0, eq).trim();
      String value = eq < 0 ? t : t.substring(eq + 1).trim();
      try {
        double d = Double.parseDouble(value);
        if (!(d >= 0 && d <= 1)) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "--thresholds: '" + t + "' is not a probability or LABEL=probability");
      }
      out.put(key, value);
    }
    return out;
  }

  LooplineConfig config() {
    return CommandConfig.load(spec, configFile, configSupplier, overrides);
  }

  /**
   * Runs the backtest; a {@link BacktestException} becomes its one line on stderr and its exit code
   * here, not in an exception handler, so the codes hold also when this command runs under another
   * command line (the {@code loopline} CLI) whose handler knows nothing of them.
   */
  @Override
  public Integer call() throws Exception {
    try {
      return backtest();
    } catch (BacktestException e) {
      PrintWriter err = spec.commandLine().getErr();
      err.println(spec.qualifiedName() + ": " + e.getMessage());
      err.flush();
      return e.exitCode();
    }
  }

  private int backtest() throws Exception {
    BacktestService.Request req;
    try {
      req =
          new BacktestService.Request(
              parseTime("--from", from),
              parseTime("--to", to),
              List.copyOf(models),
              policyOverrides(thresholds),
              slice,
              includeTrained);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    LooplineConfig config = config();
    PrintWriter stdout = spec.commandLine().getOut();
    BacktestReport report;
    try (ProgressBar bar = noProgress ? null : new ProgressBar(spec.commandLine().getErr())) {
      report = new BacktestService(RetrainService::defaultEnvironment).run(config, req);
    }
    Files.createDirectories(out);
    Path json = out.resolve("backtest.json");
    Path html = out.resolve("backtest.html");
    Files.writeString(json, ReportRenderer.json(report), StandardCharsets.UTF_8);
    Files.writeString(html, ReportRenderer.html(report), StandardCharsets.UTF_8);
    stdout.print(ReportRenderer.table(report));
    stdout.println("wrote " + json + " and " + html);
    stdout.flush();
    if (report.labelled() == 0) {
      throw new BacktestException(
          BacktestException.NO_LABELS,
          "no labels for the "
              + report.eventsReplayed()
              + " replayed events (partial report written)");
    }
    return 0;
  }

  /** Redraws the replay progress from {@link BacktestProgress} twice a second (local mode). */
  static final class ProgressBar implements AutoCloseable {
    private final Thread thread;
    private final PrintWriter err;
    private volatile boolean running = true;
    private volatile boolean drawn;

    ProgressBar(PrintWriter err) {
      this.err = err;
      long base = BacktestProgress.scored();
      long t0 = System.nanoTime();
      thread =
          new Thread(
              () -> {
                while (running) {
                  try {
                    Thread.sleep(500);
                  } catch (InterruptedException e) {
                    return;
                  }
                  long done = BacktestProgress.scored() - base;
                  if (done > 0) {
                    double s = (System.nanoTime() - t0) / 1e9;
                    err.print(
                        "\r"
                            + BacktestProgress.render(
                                done, Math.max(done, BacktestProgress.expected()), done / s)
                            + "   ");
                    err.flush();
                    drawn = true;
                  }
                }
              },
              "backtest-progress");
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void close() {
      running = false;
      thread.interrupt();
      try {
        thread.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (drawn) {
        err.println();
        err.flush();
      }
    }
  }
}
