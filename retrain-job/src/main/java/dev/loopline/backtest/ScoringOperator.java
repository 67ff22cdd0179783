package dev.loopline.backtest;

import dev.loopline.model.features.Featurizer;
import dev.loopline.model.features.SparseVector;
import dev.loopline.model.scoring.ModelLoader;
import dev.loopline.model.scoring.Scorer;
import dev.loopline.model.store.ModelStore;
import dev.loopline.model.store.ModelStores;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores replayed events with every chosen version in micro-batches: each batch is featurized once
 * per featurizer fingerprint (versions sharing a featurizer share the vectors) and passed to each
 * version's {@link Scorer}, loaded and verified by {@link ModelLoader} in {@link #open()} (one per
 * task, closed in {@link #close()}). What happens to a scored event is the subclass's: {@link
 * ScoreOperator} passes it on to the keyed join, {@link LocalJoinOperator} joins its label on the
 * spot.
 */
public abstract class ScoringOperator<OUT> extends AbstractStreamOperator<OUT>
    implements OneInputStreamOperator<BacktestRecord, OUT>, BoundedOneInput {

  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(ScoringOperator.class);

  protected final BacktestPlan plan;
  private transient Scorer[] scorers;
  private transient Map<String, Featurizer> featurizers;
  private transient String[] fingerprintOf;
  private transient List<BacktestRecord> buffer;
  private transient Path work;

  protected ScoringOperator(BacktestPlan plan) {
    this.plan = plan;
  }

  @Override
  public void open() throws Exception {
    super.open();
    tensorflowThreads();
    Path base = Files.createDirectories(Path.of(plan.workDir()));
    work = Files.createTempDirectory(base, "backtest-task-");
    ModelStore store = ModelStores.forUri(plan.storeUri());
    List<VersionSpec> versions = plan.versions();
    scorers = new Scorer[versions.size()];
    fingerprintOf = new String[versions.size()];
    featurizers = new LinkedHashMap<>();
    for (int i = 0; i < versions.size(); i++) {
      VersionSpec v = versions.get(i);
      Path zip = store.fetch(URI.create(v.artifactUri()), work.resolve("v" + i));
      scorers[i] = ModelLoader.load(zip, v.sha256(), work.resolve("load-" + i), v.labels());
      Featurizer f = new Featurizer(scorers[i].metadata().featurizer());
      fingerprintOf[i] = f.fingerprint();
      featurizers.putIfAbsent(f.fingerprint(), f);
      LOG.info("backtest task: loaded {} (featurizer {})", v.key(), f.fingerprint());
    }
    buffer = new ArrayList<>(plan.batchSize());
  }

  /**
   * TensorFlow's thread pools for the sessions this task's versions open: every op on the calling
   * task thread ({@code inter = -1}, {@code intra = 1}), as the scoring app runs them, since the
   * parallelism comes from Flink's task slots. TensorFlow's default pools (one per session and
   * version, sized to the machine) hand each batch to their own threads, which then compete with
   * the task threads for the cores. DJL reads the two JVM-wide system properties when it opens a
   * session; an explicit {@code -D} on the TaskManager wins.
   */
  static void tensorflowThreads() {
    synchronized (ScoringOperator.class) {
      if (System.getProperty(INTEROP) == null) {
        System.setProperty(INTEROP, "-1");
      }
      if (System.getProperty(INTRAOP) == null) {
        System.setProperty(INTRAOP, "1");
      }
    }
  }

  static final String INTEROP = "ai.djl.tensorflow.num_interop_threads";
  static final String INTRAOP = "ai.djl.tensorflow.num_intraop_threads";

  @Override
  public void processElement(StreamRecord<BacktestRecord> element) {
    BacktestRecord r = element.getValue();
    if (r.kind != BacktestRecord.EVENT) {
      other(r);
      return;
    }
    buffer.add(r);
    if (buffer.size() >= plan.batchSize()) {
      flush();
    }
  }

  /** A record that is not a replayed event (not scored). */
  protected abstract void other(BacktestRecord r);

  /** A scored event: probabilities set, text and attributes dropped. */
  protected abstract void scored(BacktestRecord r);

  /** After the last {@link #scored} call (end of input). */
  protected void scoredAll() {}

  @Override
  public void endInput() {
    flush();
    scoredAll();
  }

  private void flush() {
    if (buffer.isEmpty()) {
      return;
    }
    int n = buffer.size();
    int width = plan.probWidth();
    for (BacktestRecord r : buffer) {
      r.probs = new float[width];
    }
    for (Map.Entry<String, Featurizer> f : featurizers.entrySet()) {
      List<SparseVector> x = new ArrayList<>(n);
      for (BacktestRecord r : buffer) {
        String text = r.text == null ? "" : r.text;
        x.add(f.getValue().featurize(text, r.attributeKeys, r.attributeValues));
      }
      for (int i = 0; i < scorers.length; i++) {
        if (!fingerprintOf[i].equals(f.getKey())) {
          continue;
        }
        float[][] p = scorers[i].predict(x);
        int off = plan.probOffset(i);
        for (int j = 0; j < n; j++) {
          System.arraycopy(p[j], 0, buffer.get(j).probs, off, p[j].length);
        }
      }
    }
    for (BacktestRecord r : buffer) {
      r.text = null;
      r.attributeKeys = null; // not needed past scoring: the join gets a smaller record
      r.attributeValues = null;
      scored(r);
    }
    BacktestProgress.add(n);
    buffer.clear();
  }

  @Override
  public void close() throws Exception {
    if (scorers != null) {
      for (Scorer s : scorers) {
        if (s != null) {
          s.close();
        }
      }
    }
    if (work != null) {
      try (var walk = Files.walk(work)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (java.io.IOException ignored) {
        // best effort: a temp directory
      }
    }
    super.close();
  }
}
