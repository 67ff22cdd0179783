package dev.loopline.retrain;

import dev.loopline.avro.ActorType;
import dev.loopline.avro.ClassMetrics;
import dev.loopline.avro.Deployment;
import dev.loopline.avro.DeploymentAction;
import dev.loopline.avro.Metrics;
import dev.loopline.avro.ModelVersion;
import dev.loopline.avro.Verdict;
import dev.loopline.config.LooplineConfig;
import dev.loopline.retrain.publish.ModelPublisher;
import dev.loopline.retrain.registry.ModelHistory;
import dev.loopline.retrain.registry.ModelRegistryReader;
import dev.loopline.topics.Topics;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code loopline models list|show N|promote N|rollback|shadow N|history}: the model versions and
 * the deployment audit trail, read from {@code model-versions} and {@code model-deployments}.
 * Promote and rollback append a {@code Deployment} naming the actor and a required reason; the
 * scoring apps pick it up and hot-swap.
 */
@Command(
    name = "models",
    mixinStandardHelpOptions = true,
    description = "Model versions, what serves, and promote/rollback/shadow.",
    subcommands = {
      ModelsCommand.ListVersions.class,
      ModelsCommand.Show.class,
      ModelsCommand.Promote.class,
      ModelsCommand.Rollback.class,
      ModelsCommand.Shadow.class,
      ModelsCommand.History.class
    })
public final class ModelsCommand implements Runnable {

  @Spec CommandSpec spec;

  @Option(
      names = "--model",
      paramLabel = "NAME",
      description = "Model name (default: model.name from the config).")
  String model;

  private final Supplier<LooplineConfig> configSupplier;

  public ModelsCommand(Supplier<LooplineConfig> config) {
    this.configSupplier = config;
  }

  public ModelsCommand() {
    this(() -> LooplineConfig.of(Map.of()));
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  LooplineConfig config() {
    LooplineConfig c = configSupplier.get();
    return model == null ? c : c.with("model.name", model);
  }

  ModelHistory history() {
    LooplineConfig c = config();
    return ModelRegistryReader.read(c, Topics.from(c), c.get("model.name"));
  }

  static String fmt(double d) {
    return Double.isNaN(d) ? "-" : String.format(Locale.ROOT, "%.4f", d);
  }

  static String f1(Metrics m) {
    return m == null ? "-" : fmt(m.getMacroF1());
  }

  /** {@code models list}. */
  @Command(name = "list", description = "All versions, newest first; * marks the one serving.")
  static final class ListVersions implements Callable<Integer> {
    @ParentCommand ModelsCommand parent;

    @Override
    public Integer call() {
      ModelHistory h = parent.history();
      PrintWriter out = parent.spec.commandLine().getOut();
      int serving = h.currentDeployment().map(Deployment::getVersion).orElse(-1);
      out.printf(
          Locale.ROOT,
          "%-2s %-8s %-10s %-9s %-9s %-8s %-24s %s%n",
          "",
          "VERSION",
          "VERDICT",
          "MACRO-F1",
          "PROD-F1",
          "DEVICE",
          "CREATED",
          "REASON");
      for (ModelVersion v : h.versions().descendingMap().values()) {
        out.printf(
            Locale.ROOT,
            "%-2s %-8d %-10s %-9s %-9s %-8s %-24s %s%n",
            v.getVersion() == serving ? "*" : "",
            v.getVersion(),
            v.getVerdict(),
            f1(v.getMetrics()),
            f1(v.getProductionMetrics()),
            v.getTrainer().getOrDefault("device", "-"),
            v.getCreatedAt(),
            v.getReason());
      }
      if (h.versions().isEmpty()) {
        out.println("no versions of " + h.modelName() + " yet");
      }
      return 0;
    }
  }

  /** {@code models show N}. */
  @Command(name = "show", description = "One version: metrics per source, lineage, trainer.")
  static final class Show implements Callable<Integer> {
    @ParentCommand ModelsCommand parent;

    @Parameters(paramLabel = "VERSION")
    int version;

    @Override
    public Integer call() {
      ModelHistory h = parent.history();
      ModelVersion v = require(parent, h, version);
      PrintWriter out = parent.spec.commandLine().getOut();
      out.printf("%s v%d  %s%n", v.getName(), v.getVersion(), v.getVerdict());
      out.println("reason:    " + v.getReason());
      out.println("created:   " + v.getCreatedAt());
      out.println("artifact:  " + v.getArtifactUri());
      out.println("sha256:    " + v.getSha256());
      out.println("labels:    " + v.getLabels());
      out.println("featurizer " + v.getFeaturizerFingerprint());
      out.println("trainer:   " + v.getTrainer());
      printMetrics(out, "candidate (gate sources)", v.getMetrics());
      printMetrics(out, "production (same holdout)", v.getProductionMetrics());
      v.getMetricsBySource().forEach((s, m) -> printMetrics(out, "candidate, source " + s, m));
      var l = v.getLineage();
      out.printf(
          Locale.ROOT,
          "lineage:   %s offsets %s, split seed %d holdout %.2f, parent %s chain %s, train %d"
              + " holdout %d, data %s..%s, triggered by %s at %s%n",
          l.getFeedbackTopic(),
          l.getFeedbackOffsets().stream()
              .map(po -> po.getPartition() + ":" + po.getOffset())
              .toList(),
          l.getSplitSeed(),
          l.getHoldoutFraction(),
          l.getParentVersion(),
          l.getParentChain(),
          l.getTrainingExamples(),
          l.getHoldoutExamples(),
          l.getDataFrom(),
          l.getDataTo(),
          l.getTriggeringCorrectionEventId(),
          l.getTriggeringCorrectionAt());
      return 0;
    }

    private static void printMetrics(PrintWriter out, String title, Metrics m) {
      if (m == null) {
        return;
      }
      out.printf(
          Locale.ROOT,
          "%s: %d examples, accuracy %s, macro-F1 %s, log-loss %s, triage rate %s%n",
          title,
          m.getExamples(),
          fmt(m.getAccuracy()),
          fmt(m.getMacroF1()),
          fmt(m.getLogLoss()),
          fmt(m.getTriageRate()));
      for (ClassMetrics c : m.getPerClass()) {
        out.printf(
            Locale.ROOT,
            "    %-16s precision %s recall %s f1 %s support %d%n",
            c.getLabel(),
            fmt(c.getPrecision()),
            fmt(c.getRecall()),
            fmt(c.getF1()),
            c.getSupport());
      }
    }
  }

  /** {@code models promote N --reason R}. */
  @Command(name = "promote", description = "Make version N serve (appends a Deployment).")
  static final class Promote implements Callable<Integer> {
    @ParentCommand ModelsCommand parent;

    @Parameters(paramLabel = "VERSION")
    int version;

    @Option(names = "--reason", required = true, description = "Why (recorded in the audit trail).")
    String reason;

    @Option(names = "--actor", description = "Who (default: the OS user).")
    String actor = System.getProperty("user.name", "cli");

    @Option(names = "--force", description = "Allow promoting a REJECTED version.")
    boolean force;

    @Override
    public Integer call() throws Exception {
      ModelHistory h = parent.history();
      ModelVersion v = require(parent, h, version);
      if (v.getVerdict() == Verdict.REJECTED && !force) {
        throw new CommandLine.ParameterException(
            parent.spec.commandLine(),
            "v" + version + " was REJECTED (" + v.getReason() + "); use --force to promote it");
      }
      Integer previous = h.currentDeployment().map(Deployment::getVersion).orElse(null);
      return append(parent, h, v, DeploymentAction.PROMOTE, actor, reason, previous);
    }
  }

  /** {@code models rollback [--to N] --reason R}. */
  @Command(
      name = "rollback",
      description = "Serve the version that served before the current one (or --to N).")
  static final class Rollback implements Callable<Integer> {
    @ParentCommand ModelsCommand parent;

    @Option(names = "--to", paramLabel = "VERSION", description = "Version to roll back to.")
    Integer to;

    @Option(names = "--reason", required = true, description = "Why (recorded in the audit trail).")
    String reason;

    @Option(names = "--actor", description = "Who (default: the OS user).")
    String actor = System.getProperty("user.name", "cli");

    @Override
    public Integer call() throws Exception {
      ModelHistory h = parent.history();
      Optional<Deployment> current = h.currentDeployment();
      if (current.isEmpty()) {
        throw new CommandLine.ParameterException(
            parent.spec.commandLine(), "nothing serves " + h.modelName() + " yet: no rollback");
      }
      int target = to == null ? previousServing(h.deployments(), current.get()) : to;
      ModelVersion v = require(parent, h, target);
      return append(
          parent, h, v, DeploymentAction.ROLLBACK, actor, reason, current.get().getVersion());
    }

    private int previousServing(List<Deployment> deployments, Deployment current) {
      for (int i = deployments.size() - 2; i >= 0; i--) {
        if (deployments.get(i).getVersion() != current.getVersion()) {
          return deployments.get(i).getVersion();
        }
      }
      throw new CommandLine.ParameterException(
          parent.spec.commandLine(),
          "no earlier version served "
              + current.getModelName()
              + " than v"
              + current.getVersion()
              + ": use --to N");
    }
  }

  /** {@code models shadow N --rate R --reason R}. */
  @Command(
      name = "shadow",
      description = "Score version N in shadow beside the serving one, on a sample of traffic.")
  static final class Shadow implements Callable<Integer> {
    @ParentCommand ModelsCommand parent;

    @Parameters(paramLabel = "VERSION")
    int version;

    @Option(names = "--rate", description = "Share of traffic scored in shadow (default 0.1).")
    double rate = 0.1;

    @Option(names = "--reason", required = true, description = "Why (recorded in the audit trail).")
    String reason;

    @Option(names = "--actor", description = "Who (default: the OS user).")
    String actor = System.getProperty("user.name", "cli");

    @Override
    public Integer call() throws Exception {
      if (!(rate > 0 && rate <= 1)) {
        throw new CommandLine.ParameterException(
            parent.spec.commandLine(), "--rate must be in (0, 1], got " + rate);
      }
      ModelHistory h = parent.history();
      ModelVersion candidate = require(parent, h, version);
      ModelVersion serving =
          h.production()
              .orElseThrow(
                  () ->
                      new CommandLine.ParameterException(
                          parent.spec.commandLine(),
                          "nothing serves " + h.modelName() + " yet: promote instead"));
      LooplineConfig c = parent.config();
      Deployment d =
          new ModelPublisher(c, Topics.from(c))
              .shadow(serving, candidate, rate, ActorType.CLI, actor, reason, Instant.now());
      parent
          .spec
          .commandLine()
          .getOut()
          .printf(
              Locale.ROOT,
              "SHADOW %s v%d beside v%d on %.0f%% of traffic by %s: %s%n",
              d.getModelName(),
              version,
              d.getVersion(),
              rate * 100,
              actor,
              reason);
      return 0;
    }
  }

  /** {@code models history}. */
  @Command(name = "history", description = "The deployment audit trail, oldest first.")
  static final class History implements Callable<Integer> {
    @ParentCommand ModelsCommand parent;

    @Override
    public Integer call() {
      ModelHistory h = parent.history();
      PrintWriter out = parent.spec.commandLine().getOut();
      out.printf(
          Locale.ROOT,
          "%-24s %-9s %-8s %-9s %-8s %-16s %s%n",
          "AT",
          "ACTION",
          "VERSION",
          "PREVIOUS",
          "ACTOR",
          "",
          "REASON");
      for (Deployment d : h.deployments()) {
        out.printf(
            Locale.ROOT,
            "%-24s %-9s %-8d %-9s %-8s %-16s %s%n",
            d.getDeployedAt(),
            d.getAction(),
            d.getVersion(),
            d.getPreviousVersion() == null ? "-" : d.getPreviousVersion(),
            d.getActorType(),
            d.getActor(),
            d.getReason());
      }
      if (h.deployments().isEmpty()) {
        out.println("no deployments of " + h.modelName() + " yet");
      }
      return 0;
    }
  }

  static ModelVersion require(ModelsCommand parent, ModelHistory h, int version) {
    return h.version(version)
        .orElseThrow(
            () ->
                new CommandLine.ParameterException(
                    parent.spec.commandLine(),
                    "no version "
                        + version
                        + " of "
                        + h.modelName()
                        + " (highest "
                        + h.maxVersion()
                        + ")"));
  }

  static int append(
      ModelsCommand parent,
      ModelHistory h,
      ModelVersion v,
      DeploymentAction action,
      String actor,
      String reason,
      Integer previous)
      throws Exception {
    if (reason == null || reason.isBlank()) {
      throw new CommandLine.ParameterException(parent.spec.commandLine(), "--reason is required");
    }
    LooplineConfig c = parent.config();
    Deployment d =
        new ModelPublisher(c, Topics.from(c))
            .deploy(v, action, ActorType.CLI, actor, reason, previous, Instant.now());
    parent
        .spec
        .commandLine()
        .getOut()
        .printf(
            Locale.ROOT,
            "%s %s v%d (was %s) by %s: %s%n",
            d.getAction(),
            d.getModelName(),
            d.getVersion(),
            previous == null ? "-" : "v" + previous,
            actor,
            reason);
    return 0;
  }
}
