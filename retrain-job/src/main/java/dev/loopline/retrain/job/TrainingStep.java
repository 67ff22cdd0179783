package dev.loopline.retrain.job;

import dev.loopline.avro.ActorType;
import dev.loopline.avro.DeploymentAction;
import dev.loopline.avro.Lineage;
import dev.loopline.avro.Metrics;
import dev.loopline.avro.ModelVersion;
import dev.loopline.avro.PartitionOffset;
import dev.loopline.avro.Verdict;
import dev.loopline.config.LooplineConfig;
import dev.loopline.model.artifact.ModelMetadata;
import dev.loopline.model.eval.EvaluationReport;
import dev.loopline.model.features.FeaturizerSpec;
import dev.loopline.model.features.FeaturizerSpecs;
import dev.loopline.model.features.SparseVector;
import dev.loopline.model.policy.DecisionPolicy;
import dev.loopline.model.store.ModelStore;
import dev.loopline.model.store.ModelStores;
import dev.loopline.model.train.TrainedModel;
import dev.loopline.model.train.Trainer;
import dev.loopline.model.train.TrainerConfig;
import dev.loopline.model.train.TrainingListener;
import dev.loopline.retrain.gate.GateConfig;
import dev.loopline.retrain.gate.GateDecision;
import dev.loopline.retrain.gate.GateMetrics;
import dev.loopline.retrain.gate.PromotionGate;
import dev.loopline.retrain.publish.ModelPublisher;
import dev.loopline.retrain.registry.ModelRegistryReader;
import dev.loopline.topics.Topics;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job's final step, on one task: count and exclude bad examples, fix the label set, check there
 * is enough data, train (warm from production when possible), evaluate candidate and production on
 * the same holdout, run the promotion gate and publish. Plain Java with no Flink type, so it can be
 * called from the Flink operator and reasoned about on its own.
 */
public final class TrainingStep {

  private static final Logger LOG = LoggerFactory.getLogger(TrainingStep.class);
  private static final int PREDICT_BATCH = 512;

  private final RetrainPlan plan;
  private final LooplineConfig config;
  private final Path workDir;
  private final String device;
  private final String gpuResources;

  /** The newest feedback record read (the correction that triggered this version). */
  private Example trigger;

  /**
   * @param device {@code cpu} or {@code gpu} (from {@link DeviceChoice})
   * @param gpuResources the GPU indexes Flink reported, for the metadata
   */
  public TrainingStep(RetrainPlan plan, Path workDir, String device, String gpuResources) {
    this.plan = plan;
    this.config = plan.looplineConfig();
    this.workDir = workDir;
    this.device = device;
    this.gpuResources = gpuResources;
  }

  public RetrainResult run(List<Example> all) {
    long t0 = System.nanoTime();
    RetrainResult result = new RetrainResult();
    result.modelName = plan.modelName;
    result.device = device;
    try {
      runInto(all, result);
    } catch (IOException | RuntimeException e) {
      LOG.error("Retraining {} failed; nothing published", plan.modelName, e);
      result.status = RetrainResult.Status.FAILED;
      result.reason = e.getMessage() == null ? e.toString() : e.getMessage();
    }
    result.elapsedMillis = (System.nanoTime() - t0) / 1_000_000;
    LOG.info("Retrain result: {}", result.summary());
    return result;
  }

  private void runInto(List<Example> all, RetrainResult result) throws IOException {
    // 1. Exclusions that need no label set.
    Map<String, Integer> excluded = new TreeMap<>();
    List<Example> valid = new ArrayList<>();
    for (Example e : all) {
      if (e.problem != null) {
        excluded.merge(problemKind(e.problem), 1, Integer::sum);
      } else {
        valid.add(e);
      }
    }
    // Deterministic order whatever the parallel upstream did.
    valid.sort(Comparator.comparing(e -> e.eventId));
    for (Example e : valid) {
      if (e.partition >= 0 && (trigger == null || e.labeledAt > trigger.labeledAt)) {
        trigger = e;
      }
    }

    // 2. The label set: config, else production's, else the data's.
    List<String> labels = resolveLabels(valid, result);
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < labels.size(); i++) {
      index.put(labels.get(i), i);
    }
    List<Example> usable = new ArrayList<>();
    for (Example e : valid) {
      if (index.containsKey(e.label)) {
        usable.add(e);
      } else {
        excluded.merge("unknown label '" + e.label + "'", 1, Integer::sum);
      }
    }
    excluded.forEach((k, n) -> result.excluded.add(k + ": " + n));
    if (!excluded.isEmpty()) {
      LOG.warn("Excluded from {}: {}", plan.modelName, excluded);
    }

    // 3. Split.
    double valEnd =
        plan.split.holdoutFraction()
            + config.getDouble(RetrainSettings.VALIDATION_FRACTION, 0.1)
                * (1 - plan.split.holdoutFraction());
    List<Example> train = new ArrayList<>();
    List<Example> val = new ArrayList<>();
    List<Example> holdout = new ArrayList<>();
    for (Example e : usable) {
      if (e.holdout) {
        holdout.add(e);
      } else if (plan.split.position(e.eventId) < valEnd) {
        val.add(e);
      } else {
        train.add(e);
      }
    }
    result.trainingExamples = train.size();
    result.holdoutExamples = holdout.size();

    // 4. Enough data per class?
    int minPerClass = config.getInt(RetrainSettings.MIN_PER_CLASS, 20);
    int[] perClass = new int[labels.size()];
    for (Example e : train) {
      perClass[index.get(e.label)]++;
    }
    List<String> tooFew = new ArrayList<>();
    for (int i = 0; i < labels.size(); i++) {
      if (perClass[i] < minPerClass) {
        tooFew.add(labels.get(i) + " has " + perClass[i]);
      }
    }
    if (!tooFew.isEmpty() || holdout.isEmpty()) {
      result.status = RetrainResult.Status.NOT_ENOUGH_DATA;
      result.reason =
          tooFew.isEmpty()
              ? "no holdout examples to evaluate on; nothing published"
              : "too few training examples per class ("
                  + String.join(", ", tooFew)
                  + "; need "
                  + minPerClass
                  + " each, "
                  + RetrainSettings.MIN_PER_CLASS
                  + "); nothing published";
      return;
    }

    // 5. Production: fetch, verify, load for evaluation; its SavedModel is the warm start.
    Files.createDirectories(workDir);
    ModelStore store = ModelStores.forUri(config.get("model.store.uri"));
    FeaturizerSpec spec = RetrainSettings.featurizerSpec(config);
    ProductionModel prod =
        ProductionModel.open(plan.production, labels, store, workDir, result.notes);
    try {
      boolean warmWanted = config.getBoolean(RetrainSettings.WARM_START, true);
      Path warm = warmWanted ? prod.savedModelDir() : null;

      // 6. Train.
      List<SparseVector> trainX = vectors(train);
      int[] trainY = targets(train, index);
      TrainerConfig tc = RetrainSettings.trainerConfig(config, device);
      LOG.info(
          "Training {} v{} on {} ({} train, {} validation, {} holdout; labels {}; {}; warm start {})",
          plan.modelName,
          plan.nextVersion,
          device,
          train.size(),
          val.size(),
          holdout.size(),
          labels,
          tc,
          warm == null ? "none" : "v" + plan.production.version());
      TrainedModel model = train(labels, spec, trainX, trainY, val, index, tc, warm, result);
      try {
        publishEvaluated(model, labels, index, spec, train, holdout, prod, store, tc, warm, result);
      } finally {
        model.close();
      }
    } finally {
      prod.close();
    }
  }

  private TrainedModel train(
      List<String> labels,
      FeaturizerSpec spec,
      List<SparseVector> x,
      int[] y,
      List<Example> val,
      Map<String, Integer> index,
      TrainerConfig tc,
      Path warm,
      RetrainResult result) {
    TrainingListener listener =
        (epoch, epochs, loss, valLoss, perSec) -> {
          LOG.info(
              "{} v{} epoch {}/{}: loss {} validation loss {} ({} examples/s)",
              plan.modelName,
              plan.nextVersion,
              epoch,
              epochs,
              String.format(Locale.ROOT, "%.4f", loss),
              String.format(Locale.ROOT, "%.4f", valLoss),
              perSec);
          TrainingProgress.publish(epoch, epochs, loss, valLoss, perSec);
        };
    List<SparseVector> valX = vectors(val);
    int[] valY = targets(val, index);
    if (warm != null) {
      try {
        return new Trainer().train(labels, spec, x, y, valX, valY, tc, warm, listener);
      } catch (RuntimeException e) {
        String note =
            "parent v"
                + plan.production.version()
                + " could not seed training ("
                + e.getMessage()
                + "): trained from scratch";
        LOG.warn(note, e);
        result.notes.add(note);
      }
    }
    return new Trainer().train(labels, spec, x, y, valX, valY, tc, null, listener);
  }

  private void publishEvaluated(
      TrainedModel model,
      List<String> labels,
      Map<String, Integer> index,
      FeaturizerSpec spec,
      List<Example> train,
      List<Example> holdout,
      ProductionModel prod,
      ModelStore store,
      TrainerConfig tc,
      Path warm,
      RetrainResult result)
      throws IOException {
    // 7. Evaluate both on the same holdout.
    List<SparseVector> hx = vectors(holdout);
    int[] hy = targets(holdout, index);
    String[] sources = holdout.stream().map(e -> e.source).toArray(String[]::new);
    DecisionPolicy policy = DecisionPolicy.fromConfig(config.asMap());
    float[][] candProbs = predict(model::predict, hx);
    float[][] prodProbs = prod.comparable() ? predict(prod.scorer()::predict, hx) : null;

    EvaluationReport candAll = Evaluations.evaluate(labels, hy, candProbs, sources, policy, null);
    EvaluationReport prodAll =
        prodProbs == null
            ? null
            : Evaluations.evaluate(labels, hy, prodProbs, sources, policy, null);

    GateConfig gateConfig = GateConfig.from(config);
    boolean[] gateMask = new boolean[holdout.size()];
    boolean[] recentMask = recentMask(holdout, train);
    for (int i = 0; i < holdout.size(); i++) {
      gateMask[i] = gateConfig.sources().contains(holdout.get(i).source);
    }
    EvaluationReport candGate =
        Evaluations.evaluate(labels, hy, candProbs, sources, policy, gateMask);
    EvaluationReport prodGate =
        prodProbs == null
            ? null
            : Evaluations.evaluate(labels, hy, prodProbs, sources, policy, gateMask);
    EvaluationReport candRecent =
        Evaluations.evaluate(labels, hy, candProbs, sources, policy, recentMask);
    EvaluationReport prodRecent =
        prodProbs == null
            ? null
            : Evaluations.evaluate(labels, hy, prodProbs, sources, policy, recentMask);
    result.gateExamples = candGate == null ? 0 : candGate.examples();
    result.candidateMacroF1 = Evaluations.macroF1(candGate);
    result.productionMacroF1 = Evaluations.macroF1(prodGate);
    result.recentCandidateMacroF1 = Evaluations.macroF1(candRecent);
    result.recentProductionMacroF1 = Evaluations.macroF1(prodRecent);
    LOG.info(
        "Holdout {}: candidate macro-F1 {} (gate slice {}, recent {}), production {} (gate slice"
            + " {}, recent {})",
        holdout.size(),
        Evaluations.macroF1(candAll),
        result.candidateMacroF1,
        result.recentCandidateMacroF1,
        Evaluations.macroF1(prodAll),
        result.productionMacroF1,
        result.recentProductionMacroF1);

    // 8. Gate.
    GateMetrics candMetrics = Evaluations.gateMetrics(candGate);
    GateMetrics prodMetrics = prodGate == null ? null : Evaluations.gateMetrics(prodGate);
    GateDecision decision =
        new PromotionGate(gateConfig).decide(candMetrics, prodMetrics, prod.whyNotComparable());
    result.verdict = decision.verdict().name();
    result.reason = decision.reason();

    // 9. Artifact: export, canaries, metadata, zip.
    Instant createdAt = Instant.now();
    long dataFrom = Long.MAX_VALUE;
    long dataTo = Long.MIN_VALUE;
    for (Example e : train) {
      dataFrom = Math.min(dataFrom, e.occurredAt);
      dataTo = Math.max(dataTo, e.occurredAt);
    }
    Map<String, String> trainerInfo = new TreeMap<>(model.trainerInfo());
    trainerInfo.put("device.requested", device);
    trainerInfo.put("gpu.resources", gpuResources);
    trainerInfo.putIfAbsent("device", device);
    trainerInfo.put("warm.start", warm == null ? "none" : "v" + plan.production.version());
    if (config.get(RetrainSettings.BOOTSTRAP_FILE) != null) {
      trainerInfo.put("bootstrap.file", config.get(RetrainSettings.BOOTSTRAP_FILE));
      trainerInfo.put("bootstrap.sha256", config.get(RetrainSettings.BOOTSTRAP_SHA256, ""));
    }
    result.device = trainerInfo.get("device");
    LOG.info("Trained {} v{} on device {}", plan.modelName, plan.nextVersion, result.device);
    Integer parent = warm == null ? null : plan.production.version();
    Map<String, Double> flat = new LinkedHashMap<>();
    flat.put("macroF1", candAll.macroF1());
    flat.put("accuracy", candAll.accuracy());
    flat.put("logLoss", candAll.logLoss());
    flat.put("gateMacroF1", result.candidateMacroF1);
    flat.put("recentMacroF1", result.recentCandidateMacroF1);
    ModelMetadata md =
        new ModelMetadata(
            plan.modelName,
            plan.nextVersion,
            labels,
            spec,
            FeaturizerSpecs.fingerprint(spec),
            "sparse",
            List.of("indices", "values", "dense_shape"),
            "probabilities",
            createdAt,
            parent,
            train.size(),
            Instant.ofEpochMilli(dataFrom),
            Instant.ofEpochMilli(dataTo),
            flat,
            trainerInfo);
    Path zip = workDir.resolve("artifact-v" + plan.nextVersion + ".zip");
    String sha =
        Artifacts.build(
            model,
            md,
            holdout.subList(0, Math.min(8, holdout.size())),
            workDir.resolve("export"),
            zip);

    // 10. Publish: store + read back, then the record, then (if promoted) the deployment.
    ModelPublisher publisher = new ModelPublisher(config, Topics.from(config));
    ensureVersionFree();
    URI uri;
    try {
      uri = publisher.storeVerified(store, plan.modelName, plan.nextVersion, zip, sha, workDir);
    } catch (IOException e) {
      result.status = RetrainResult.Status.FAILED;
      result.reason =
          "model store "
              + config.get("model.store.uri")
              + " could not be written or read back ("
              + e.getMessage()
              + "); nothing announced";
      LOG.error(result.reason, e);
      return;
    }
    result.artifactUri = uri.toString();
    result.sha256 = sha;

    List<Integer> chain = new ArrayList<>();
    if (parent != null) {
      chain.add(parent);
      chain.addAll(plan.production.chain());
    }
    List<PartitionOffset> offsets = new ArrayList<>();
    plan.feedbackOffsets.forEach((p, o) -> offsets.add(new PartitionOffset(p, o)));
    Instant deployedAt = Instant.now();
    Lineage lineage =
        Lineage.newBuilder()
            .setFeedbackTopic(plan.feedbackTopic)
            .setFeedbackOffsets(offsets)
            .setSplitSeed(plan.split.seed())
            .setHoldoutFraction(plan.split.holdoutFraction())
            .setParentVersion(parent)
            .setParentChain(chain)
            .setTrainingExamples(train.size())
            .setHoldoutExamples(holdout.size())
            .setDataFrom(Instant.ofEpochMilli(dataFrom))
            .setDataTo(Instant.ofEpochMilli(dataTo))
            .setTriggeringCorrectionEventId(trigger == null ? null : trigger.eventId)
            .setTriggeringCorrectionAt(
                trigger == null ? null : Instant.ofEpochMilli(trigger.labeledAt))
            .setCorrectionToProductionMillis(
                trigger == null || !decision.promoted()
                    ? null
                    : deployedAt.toEpochMilli() - trigger.labeledAt)
            .build();
    Map<String, Metrics> bySource = Evaluations.bySource(candAll);
    ModelVersion version =
        ModelVersion.newBuilder()
            .setName(plan.modelName)
            .setVersion(plan.nextVersion)
            .setArtifactUri(uri.toString())
            .setSha256(sha)
            .setCreatedAt(createdAt)
            .setLabels(labels)
            .setFeaturizerFingerprint(md.featurizerFingerprint())
            .setVerdict(Verdict.valueOf(decision.verdict().name()))
            .setReason(decision.reason() + notesSuffix(result))
            .setMetrics(Evaluations.toMetrics(candGate))
            .setMetricsBySource(bySource)
            .setProductionMetrics(prodGate == null ? null : Evaluations.toMetrics(prodGate))
            .setLineage(lineage)
            .setTrainer(trainerInfo)
            .build();
    publisher.recordVersion(version);
    result.status = RetrainResult.Status.PUBLISHED;
    result.version = plan.nextVersion;
    if (decision.promoted()) {
      publisher.deploy(
          version,
          DeploymentAction.PROMOTE,
          ActorType.GATE,
          "retrain-gate",
          decision.reason(),
          plan.production == null ? null : plan.production.version(),
          deployedAt);
    }
  }

  /** Groups problems whose message carries per-record detail (logged where they were found). */
  private static String problemKind(String problem) {
    if (problem.startsWith("undecodable")) {
      return "undecodable";
    }
    return problem.startsWith("bad bootstrap line") ? "bad bootstrap line" : problem;
  }

  private static String notesSuffix(RetrainResult r) {
    return r.notes.isEmpty() ? "" : " [" + String.join("; ", r.notes) + "]";
  }

  /** Re-reads model-versions right before publishing: a concurrent run must not reuse a number. */
  private void ensureVersionFree() {
    int max = ModelRegistryReader.read(config, Topics.from(config), plan.modelName).maxVersion();
    if (max >= plan.nextVersion) {
      throw new IllegalStateException(
          "version "
              + plan.nextVersion
              + " of "
              + plan.modelName
              + " was published by another run meanwhile (highest now "
              + max
              + "); nothing published");
    }
  }

  /**
   * The "recent" slice: holdout examples whose event time falls in the latest {@code
   * recentFraction} of the data's time range.
   */
  private boolean[] recentMask(List<Example> holdout, List<Example> train) {
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (List<Example> l : List.of(holdout, train)) {
      for (Example e : l) {
        min = Math.min(min, e.occurredAt);
        max = Math.max(max, e.occurredAt);
      }
    }
    long cutoff = max - (long) ((max - min) * plan.recentFraction);
    boolean[] mask = new boolean[holdout.size()];
    for (int i = 0; i < mask.length; i++) {
      mask[i] = holdout.get(i).occurredAt >= cutoff;
    }
    return mask;
  }

  private List<String> resolveLabels(List<Example> valid, RetrainResult result) {
    List<String> prodLabels = plan.production == null ? null : plan.production.labels();
    if (plan.configuredLabels != null) {
      if (prodLabels != null && !prodLabels.equals(plan.configuredLabels)) {
        result.notes.add(
            "label set changed: production v"
                + plan.production.version()
                + " has "
                + prodLabels
                + ", configured "
                + plan.configuredLabels);
      }
      return plan.configuredLabels;
    }
    if (prodLabels != null) {
      return prodLabels;
    }
    TreeSet<String> seen = new TreeSet<>();
    for (Example e : valid) {
      seen.add(e.label);
    }
    return new ArrayList<>(seen);
  }

  private interface Predictor {
    float[][] predict(List<SparseVector> batch);
  }

  private static float[][] predict(Predictor p, List<SparseVector> x) {
    float[][] out = new float[x.size()][];
    for (int from = 0; from < x.size(); from += PREDICT_BATCH) {
      int to = Math.min(x.size(), from + PREDICT_BATCH);
      float[][] part = p.predict(x.subList(from, to));
      System.arraycopy(part, 0, out, from, part.length);
    }
    return out;
  }

  private static List<SparseVector> vectors(List<Example> l) {
    List<SparseVector> out = new ArrayList<>(l.size());
    for (Example e : l) {
      out.add(new SparseVector(e.indices, e.values));
    }
    return out;
  }

  private static int[] targets(List<Example> l, Map<String, Integer> index) {
    int[] y = new int[l.size()];
    for (int i = 0; i < y.length; i++) {
      y[i] = index.get(l.get(i).label);
    }
    return y;
  }
}
