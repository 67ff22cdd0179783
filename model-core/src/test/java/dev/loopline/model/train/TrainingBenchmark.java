package dev.loopline.model.train;

import dev.loopline.model.eval.Evaluator;
import dev.loopline.model.features.Featurizer;
import dev.loopline.model.features.FeaturizerSpec;
import dev.loopline.model.features.SparseVector;
import dev.loopline.model.scoring.ModelLoader;
import dev.loopline.model.scoring.Scorer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The model-core half of the retrain benchmark, in one process on seeded synthetic tickets:
 * featurize N examples, train (at most 5 epochs), evaluate on a holdout, package the artifact and
 * load it back through the full {@link ModelLoader} verification, then time DJL batch scoring. It
 * prints one row per run: featurize and train examples/s, and seconds from start to a verified,
 * loadable artifact (the retrain job adds its Kafka read and the version/deployment records).
 *
 * <p>Columns: model | width | batch | learning rate | examples | mean non-zeros | epochs run/max |
 * featurize ex/s | train ex/s | holdout accuracy | featurize s | train s | evaluate s | package s |
 * start to verified artifact s | DJL batch-256 ms (wall) | ms (process CPU) | DJL rows/s |
 * in-process featurize+score rows/s | zip size.
 *
 * <p>Run: {@code java -cp <model-core test classpath> dev.loopline.model.train.TrainingBenchmark
 * [examples] [logreg|mlp] [hidden] [batch] [learningRate] [hashBits] [epochs] [vocabulary]}
 * (vocabulary 0: the phrase-list tickets; e.g. 200000: the wide-vocabulary variant).
 */
public final class TrainingBenchmark {
  private TrainingBenchmark() {}

  /** CPU time of the whole process (TensorFlow runs on its own threads): robust to a busy host. */
  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    TrainerConfig d = TrainerConfig.defaults();
    String type = args.length > 1 ? args[1] : d.modelType();
    int hidden = args.length > 2 ? Integer.parseInt(args[2]) : d.hidden();
    int batch = args.length > 3 ? Integer.parseInt(args[3]) : d.batchSize();
    float lr = args.length > 4 ? Float.parseFloat(args[4]) : d.learningRate();
    FeaturizerSpec s = FeaturizerSpec.defaults();
    int bits = args.length > 5 ? Integer.parseInt(args[5]) : s.hashBits();
    int epochs = args.length > 6 ? Integer.parseInt(args[6]) : d.epochs();
    FeaturizerSpec spec =
        new FeaturizerSpec(
            s.version(),
            bits,
            s.wordNgramMax(),
            s.charNgramMin(),
            s.charNgramMax(),
            s.maxTextChars(),
            s.attributeKeys(),
            s.seed(),
            s.sublinearTf(),
            s.l2Normalize());
    TrainerConfig cfg =
        d.withModelType(type, hidden)
            .withBatchSize(batch)
            .withLearningRate(lr)
            .withEpochs(epochs, d.earlyStoppingPatience());
    int holdout = Math.max(1000, n / 20);
    int vocabulary = args.length > 7 ? Integer.parseInt(args[7]) : 0;
    List<SyntheticTickets.Ticket> tickets =
        new SyntheticTickets(2026, new double[] {1, 1, 1, 1, 1, 1}, 0.1, vocabulary)
            .take(n + holdout);

    long start = System.nanoTime();
    Featurizer featurizer = new Featurizer(spec);
    List<SparseVector> x = new ArrayList<>(n);
    int[] y = new int[n];
    long nnz = 0;
    for (int i = 0; i < n; i++) {
      SyntheticTickets.Ticket t = tickets.get(i);
      SparseVector v = featurizer.featurize(t.text(), t.attributes());
      nnz += v.size();
      x.add(v);
      y[i] = t.label();
    }
    List<SparseVector> vx = new ArrayList<>(holdout);
    int[] vy = new int[holdout];
    for (int i = 0; i < holdout; i++) {
      SyntheticTickets.Ticket t = tickets.get(n + i);
      vx.add(featurizer.featurize(t.text(), t.attributes()));
      vy[i] = t.label();
    }
    long featurized = System.nanoTime();
    Path tmp = Files.createTempDirectory("loopline-bench");
    Path zip = tmp.resolve("model.zip");
    double accuracy;
    String sha;
    Map<String, String> info;
    long trained;
    long evaluated;
    try (TrainedModel model =
        new Trainer().train(SyntheticTickets.LABELS, spec, x, y, vx, vy, cfg, null, null)) {
      trained = System.nanoTime();
      float[][] probs = model.predict(vx);
      accuracy = Evaluator.evaluate(SyntheticTickets.LABELS, vy, probs, null, null).accuracy();
      evaluated = System.nanoTime();
      info = model.trainerInfo();
      List<ArtifactPackager.CanaryInput> canaries = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        canaries.add(
            new ArtifactPackager.CanaryInput(
                tickets.get(n + i).text(), tickets.get(n + i).attributes()));
      }
      sha =
          ArtifactPackager.write(
              model,
              ArtifactPackager.metadata(
                  model, spec, "bench", 1, Instant.now(), null, n, null, null, Map.of()),
              canaries,
              zip);
    }
    long packaged = System.nanoTime();
    double batchMs;
    double batchCpuMs;
    double djlRowsPerSecond;
    double inProcessRowsPerSecond;
    try (Scorer scorer = ModelLoader.load(zip, sha, tmp.resolve("work"), null)) {
      long loaded = System.nanoTime();
      List<SparseVector> b = vx.subList(0, 256);
      for (int i = 0; i < 50; i++) {
        scorer.predict(b);
      }
      int iters = 0;
      long t0 = System.nanoTime();
      long cpu0 = cpuNanos();
      while (System.nanoTime() - t0 < 3_000_000_000L) {
        scorer.predict(b);
        iters++;
      }
      batchMs = (System.nanoTime() - t0) / 1e6 / iters;
      batchCpuMs = (cpuNanos() - cpu0) / 1e6 / iters;
      djlRowsPerSecond = 256 * 1000 / batchMs;
      // featurize + predict in process, what the scoring app's ceiling is
      int rows = 0;
      t0 = System.nanoTime();
      while (System.nanoTime() - t0 < 3_000_000_000L) {
        List<SparseVector> fb = new ArrayList<>(256);
        for (int i = 0; i < 256; i++) {
          SyntheticTickets.Ticket t = tickets.get(n + (rows + i) % holdout);
          fb.add(featurizer.featurize(t.text(), t.attributes()));
        }
        scorer.predict(fb);
        rows += 256;
      }
      inProcessRowsPerSecond = rows / ((System.nanoTime() - t0) / 1e9);
      System.out.printf(
          Locale.ROOT,
          "| %s%s | 2^%d | %d | %.2f | %d | %d | %s/%d | %,.0f | %,d | %.4f | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f | %.2f | %,.0f | %,.0f | %.1f MB |%n",
          type,
          "mlp".equals(type) ? "-" + hidden : "",
          bits,
          batch,
          lr,
          n,
          nnz / n,
          info.get("epochsRun"),
          epochs,
          n / ((featurized - start) / 1e9),
          Long.parseLong(info.get("trainExamplesPerSecond")),
          accuracy,
          (featurized - start) / 1e9,
          (trained - featurized) / 1e9,
          (evaluated - trained) / 1e9,
          (packaged - evaluated) / 1e9,
          (loaded - start) / 1e9,
          batchMs,
          batchCpuMs,
          djlRowsPerSecond,
          inProcessRowsPerSecond,
          Files.size(zip) / 1e6);
    }
  }
}
