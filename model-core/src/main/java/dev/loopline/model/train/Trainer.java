package dev.loopline.model.train;

import dev.loopline.model.features.FeaturizerSpec;
import dev.loopline.model.features.SparseVector;
import dev.loopline.model.tf.TensorFlowNatives;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.TensorFlow;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.sparse.SparseTensorDenseMatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Trains a softmax classifier (logistic regression or a one-hidden-layer MLP) over the featurizer's
 * hashed sparse vectors with TensorFlow Java, on the CPU or a GPU.
 *
 * <p>Why it is fast on a wide (2^18) input: each step touches only the rows of {@code W1} that the
 * batch's features hit. The batch's distinct buckets are gathered ({@code Gather(W1, uniq)}), the
 * first layer runs against those rows with locally renumbered columns, the gradient for them is
 * {@code SparseTensorDenseMatMul(x, dZ1, adjoint_a)} (no registered gradient needed), and {@code
 * SparseApplyAdagrad} updates only those rows. A dense optimizer over all of W1 (Adam) is ~8x
 * slower (STACK.md). Biases and the MLP's second layer use dense Adagrad.
 *
 * <p>Loss: softmax cross-entropy on one-hot labels, optionally class-weighted; the validation loss
 * uses the same weights. Early stopping keeps the weights of the best validation epoch. Warm start
 * copies a parent SavedModel's weights (the caller checks that the featurizer fingerprint and the
 * label list match; shapes are checked here).
 */
public final class Trainer {
  private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
  private static final float INITIAL_ACCUMULATOR = 0.1f;
  private static final int EVAL_BATCH = 2048;

  /**
   * Trains and returns the model of the best validation epoch (the last epoch without validation
   * data).
   *
   * @param labels class names; {@code y} indexes into this list
   * @param spec the featurizer spec the vectors came from ({@code 2^hashBits} is the input width)
   * @param valX validation vectors, may be empty (then no early stopping)
   * @param warmStartSavedModelOrNull a parent's exported SavedModel directory to start from
   * @param listener per-epoch progress, may be null
   */
  public TrainedModel train(
      List<String> labels,
      FeaturizerSpec spec,
      List<SparseVector> x,
      int[] y,
      List<SparseVector> valX,
      int[] valY,
      TrainerConfig cfg,
      Path warmStartSavedModelOrNull,
      TrainingListener listener) {
    if (labels.size() < 2) {
      throw new IllegalArgumentException("need at least 2 labels, got " + labels);
    }
    if (x.size() != y.length || x.isEmpty()) {
      throw new IllegalArgumentException("x and y must be non-empty and of equal length");
    }
    valX = valX == null ? List.of() : valX;
    valY = valY == null ? new int[0] : valY;
    if (valX.size() != valY.length) {
      throw new IllegalArgumentException("valX and valY differ in length");
    }
    TrainingListener progress = listener == null ? TrainingListener.NONE : listener;
    TensorFlowNatives.ensureLoaded();
    String device =
        Device.resolve(cfg.device(), !"cpu".equals(cfg.device()) && Device.gpuVisible());
    LOG.info(
        "Training {} on {} ({} requested): {} examples, {} validation, {} labels, width 2^{}",
        cfg.modelType(),
        device,
        cfg.device(),
        x.size(),
        valX.size(),
        labels.size(),
        spec.hashBits());

    int classes = labels.size();
    float[] classWeight = classWeights(y, classes, cfg.classWeights());
    Graph graph = new Graph();
    Session session = null;
    try {
      Ops tf = Ops.create(graph);
      boolean mlp = "mlp".equals(cfg.modelType());
      SoftmaxNet net = SoftmaxNet.declare(tf, mlp, spec.dimension(), cfg.hidden(), classes);
      TrainGraph tg = new TrainGraph(tf, graph, net, cfg.learningRate());
      session = new Session(graph, Device.sessionConfig(device));
      TfTrainedModel model =
          new TfTrainedModel(
              graph,
              session,
              net,
              tg.predictIndices,
              tg.predictValues,
              tg.predictShape,
              tg.probabilities,
              labels);
      String warm = tg.initialize(session, net, cfg.seed(), warmStartSavedModelOrNull);
      Map<String, String> info = new LinkedHashMap<>();
      info.put("modelType", cfg.modelType());
      if (mlp) {
        info.put("hidden", Integer.toString(cfg.hidden()));
      }
      info.put("optimizer", "adagrad");
      info.put("learningRate", Float.toString(cfg.learningRate()));
      info.put("batchSize", Integer.toString(cfg.batchSize()));
      info.put("epochs", Integer.toString(cfg.epochs()));
      info.put("classWeights", Boolean.toString(cfg.classWeights()));
      info.put("earlyStoppingPatience", Integer.toString(cfg.earlyStoppingPatience()));
      info.put("seed", Long.toString(cfg.seed()));
      info.put("deviceRequested", cfg.device());
      info.put("device", device);
      info.put("tensorflow", TensorFlow.version());
      info.put("warmStart", warm);
      info.put("trainExamples", Integer.toString(x.size()));
      info.put("validationExamples", Integer.toString(valX.size()));

      boolean validate = !valX.isEmpty();
      double initialVal =
          validate ? tg.loss(session, valX, valY, classWeight, classes) : Double.NaN;
      if (validate) {
        info.put("initialValidationLoss", fmt(initialVal));
      }
      double best = Double.POSITIVE_INFINITY;
      int bestEpoch = 0;
      int sinceBest = 0;
      int epochsRun = 0;
      long trainNanos = 0;
      SplittableRandom rng = new SplittableRandom(cfg.seed() ^ 0x5DEECE66DL);
      int[] order = new int[x.size()];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      for (int epoch = 1; epoch <= cfg.epochs(); epoch++) {
        shuffle(order, rng);
        long t0 = System.nanoTime();
        double lossSum = 0;
        for (int from = 0; from < order.length; from += cfg.batchSize()) {
          int to = Math.min(order.length, from + cfg.batchSize());
          lossSum += tg.step(session, x, y, order, from, to, classWeight, classes) * (to - from);
        }
        long dt = System.nanoTime() - t0;
        trainNanos += dt;
        epochsRun = epoch;
        double trainLoss = lossSum / order.length;
        double valLoss = validate ? tg.loss(session, valX, valY, classWeight, classes) : Double.NaN;
        long eps = Math.round(order.length / (dt / 1e9));
        LOG.info(
            "epoch {}/{}: train loss {}, validation loss {}, {} examples/s",
            epoch,
            cfg.epochs(),
            fmt(trainLoss),
            fmt(valLoss),
            eps);
        progress.onEpoch(epoch, cfg.epochs(), trainLoss, valLoss, eps);
        if (!validate) {
          continue;
        }
        if (valLoss < best - 1e-6) {
          best = valLoss;
          bestEpoch = epoch;
          sinceBest = 0;
          tg.snapshot(session);
        } else if (cfg.earlyStoppingPatience() > 0 && ++sinceBest >= cfg.earlyStoppingPatience()) {
          LOG.info(
              "early stopping after epoch {}: best validation loss {} at epoch {}",
              epoch,
              fmt(best),
              bestEpoch);
          break;
        }
      }
      if (validate && bestEpoch < epochsRun) {
        tg.restoreSnapshot(session);
      }
      info.put("epochsRun", Integer.toString(epochsRun));
      if (validate) {
        info.put("bestEpoch", Integer.toString(bestEpoch));
        info.put("bestValidationLoss", fmt(best));
      }
      info.put("trainSeconds", String.format(java.util.Locale.ROOT, "%.3f", trainNanos / 1e9));
      info.put(
          "trainExamplesPerSecond",
          Long.toString(Math.round((double) epochsRun * x.size() / (trainNanos / 1e9))));
      model.setInfo(info);
      tg.releaseScratch();
      return model;
    } catch (RuntimeException | Error e) {
      if (session != null) {
        session.close();
      }
      graph.close();
      throw e;
    }
  }

  static float[] classWeights(int[] y, int classes, boolean balanced) {
    float[] w = new float[classes];
    long[] counts = new long[classes];
    for (int label : y) {
      if (label < 0 || label >= classes) {
        throw new IllegalArgumentException(
            "label index " + label + " outside [0, " + classes + ")");
      }
      counts[label]++;
    }
    for (int c = 0; c < classes; c++) {
      w[c] = !balanced ? 1f : counts[c] == 0 ? 0f : (float) y.length / (classes * counts[c]);
    }
    return w;
  }

  private static void shuffle(int[] a, SplittableRandom rng) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  static String fmt(double d) {
    return Double.isNaN(d) ? "NaN" : String.format(java.util.Locale.ROOT, "%.6f", d);
  }

  /** The training-side ops: sparse step, evaluation loss, initialisation, snapshot/restore. */
  private static final class TrainGraph {
    final SoftmaxNet net;
    final long width;
    // training step inputs (columns renumbered 0..U-1 within the batch)
    final Placeholder<TInt64> stepIndices;
    final Placeholder<TFloat32> stepValues;
    final Placeholder<TInt64> stepShape;
    final Placeholder<TInt64> stepUniq;
    final Placeholder<TFloat32> stepLabels;
    final Placeholder<TFloat32> stepWeights;
    final Operand<TFloat32> stepLoss;
    final Op trainOp;
    // full-width prediction and evaluation
    final Placeholder<TInt64> predictIndices;
    final Placeholder<TFloat32> predictValues;
    final Placeholder<TInt64> predictShape;
    final Placeholder<TFloat32> evalLabels;
    final Placeholder<TFloat32> evalWeights;
    final Operand<TFloat32> probabilities;
    final Operand<TFloat32> evalWeightedLossSum;
    // initialisation
    final List<Placeholder<TFloat32>> initValues = new ArrayList<>();
    final List<Op> initAssigns = new ArrayList<>();
    final List<Op> slotInits = new ArrayList<>();
    final List<Op> snapshotOps = new ArrayList<>();
    final List<Op> restoreOps = new ArrayList<>();
    final List<Variable<TFloat32>> slots = new ArrayList<>();
    private int[] slot;

    TrainGraph(Ops tf, Graph graph, SoftmaxNet net, float learningRate) {
      this.net = net;
      this.width = net.width;
      Variable<TFloat32>[] vars = net.variables();
      stepIndices = tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(-1, 2)));
      stepValues = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
      stepShape = tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
      stepUniq = tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(-1)));
      stepLabels = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, net.classes)));
      stepWeights = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));

      Operand<TFloat32> rows = tf.gather(net.w1, stepUniq, tf.constant(0));
      Operand<TFloat32> b1 = tf.identity(net.b1);
      Operand<TFloat32> w2 = net.mlp ? tf.identity(net.w2) : null;
      Operand<TFloat32> b2 = net.mlp ? tf.identity(net.b2) : null;
      Operand<TFloat32> z1 = net.firstLayer(tf, stepIndices, stepValues, stepShape, rows, b1);
      Operand<TFloat32> logits = net.logits(tf, z1, w2, b2);
      Operand<TFloat32> ce = tf.nn.softmaxCrossEntropyWithLogits(logits, stepLabels).loss();
      stepLoss =
          tf.math.div(
              tf.reduceSum(tf.math.mul(ce, stepWeights), tf.constant(0)),
              tf.math.maximum(tf.reduceSum(stepWeights, tf.constant(0)), tf.constant(1e-12f)));

      List<Output<?>> xs = new ArrayList<>(List.of(z1.asOutput(), b1.asOutput()));
      if (net.mlp) {
        xs.add(w2.asOutput());
        xs.add(b2.asOutput());
      }
      Output<?>[] grads = graph.addGradients(stepLoss.asOutput(), xs.toArray(new Output<?>[0]));
      @SuppressWarnings("unchecked")
      Operand<TFloat32> dz1 = (Operand<TFloat32>) grads[0];
      Operand<TFloat32> dRows =
          tf.sparse.sparseTensorDenseMatMul(
              stepIndices, stepValues, stepShape, dz1, SparseTensorDenseMatMul.adjointA(true));

      // slots (Adagrad accumulators) and early-stopping snapshots
      Variable<TFloat32>[] acc = new Variable[vars.length];
      for (int i = 0; i < vars.length; i++) {
        Shape shape = vars[i].shape();
        acc[i] =
            tf.withName(SoftmaxNet.variableNames(net.mlp)[i] + "_adagrad")
                .variable(shape, TFloat32.class);
        slots.add(acc[i]);
        slotInits.add(
            tf.assign(acc[i], tf.fill(tf.constant(shape), tf.constant(INITIAL_ACCUMULATOR))));
        Placeholder<TFloat32> init = tf.placeholder(TFloat32.class, Placeholder.shape(shape));
        initValues.add(init);
        initAssigns.add(tf.assign(vars[i], init));
        Variable<TFloat32> best = tf.variable(shape, TFloat32.class);
        slots.add(best);
        snapshotOps.add(tf.assign(best, vars[i]));
        restoreOps.add(tf.assign(vars[i], best));
      }
      // every gradient is computed before any weight changes
      List<Op> gradOps = new ArrayList<>();
      List<Operand<TFloat32>> g = new ArrayList<>();
      org.tensorflow.op.core.Identity<TFloat32> rowsGrad = tf.identity(dRows);
      gradOps.add(rowsGrad);
      for (int i = 1; i < grads.length; i++) {
        @SuppressWarnings("unchecked")
        org.tensorflow.op.core.Identity<TFloat32> gi = tf.identity((Operand<TFloat32>) grads[i]);
        gradOps.add(gi);
        g.add(gi);
      }
      Ops upd = tf.withControlDependencies(gradOps);
      Operand<TFloat32> lr = tf.constant(learningRate);
      List<Op> updates = new ArrayList<>();
      updates.add(
          upd.train.sparseApplyAdagrad(net.w1, acc[0], lr, tf.constant(1e-7f), rowsGrad, stepUniq));
      for (int i = 1; i < vars.length; i++) {
        updates.add(upd.train.applyAdagrad(vars[i], acc[i], lr, g.get(i - 1)));
      }
      trainOp = tf.withControlDependencies(updates).noOp();

      predictIndices = tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(-1, 2)));
      predictValues = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
      predictShape = tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
      probabilities = net.probabilities(tf, predictIndices, predictValues, predictShape);
      evalLabels = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, net.classes)));
      evalWeights = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
      Operand<TFloat32> evalZ1 =
          net.firstLayer(tf, predictIndices, predictValues, predictShape, net.w1, net.b1);
      Operand<TFloat32> evalCe =
          tf.nn
              .softmaxCrossEntropyWithLogits(net.logits(tf, evalZ1, net.w2, net.b2), evalLabels)
              .loss();
      evalWeightedLossSum = tf.reduceSum(tf.math.mul(evalCe, evalWeights), tf.constant(0));
    }

    /**
     * Sets weights (from the parent, or fresh) and optimizer slots. Returns the warm-start note.
     */
    String initialize(Session s, SoftmaxNet net, long seed, Path parent) {
      String note = "none";
      Tensor[] values = null;
      if (parent != null) {
        try {
          values = parentWeights(parent, net);
          note = "parent";
        } catch (IllegalArgumentException e) {
          LOG.warn("Not warm-starting from {}: {}; training from scratch", parent, e.getMessage());
          note = "skipped: " + e.getMessage();
        }
      }
      if (values == null) {
        values = freshWeights(net, seed);
      }
      try {
        Session.Runner r = s.runner();
        for (int i = 0; i < values.length; i++) {
          r.feed(initValues.get(i), values[i]);
          r.addTarget(initAssigns.get(i));
        }
        slotInits.forEach(r::addTarget);
        r.run().close();
        Session.Runner snap = s.runner();
        snapshotOps.forEach(snap::addTarget);
        snap.run().close();
      } finally {
        for (Tensor t : values) {
          t.close();
        }
      }
      return note;
    }

    private static Tensor[] parentWeights(Path dir, SoftmaxNet net) {
      if (!Files.isDirectory(dir)) {
        throw new IllegalArgumentException("no SavedModel directory at " + dir);
      }
      try (SavedModelBundle parent = SavedModelBundle.load(dir.toString(), SparseSignature.TAG)) {
        boolean parentMlp = parent.graph().operation(SoftmaxNet.W2) != null;
        if (parentMlp != net.mlp) {
          throw new IllegalArgumentException(
              "parent is "
                  + (parentMlp ? "mlp" : "logreg")
                  + ", this run trains "
                  + (net.mlp ? "mlp" : "logreg"));
        }
        Session.Runner r = parent.session().runner();
        String[] names = SoftmaxNet.variableNames(net.mlp);
        for (String n : names) {
          r.fetch(n);
        }
        Result res = r.run();
        Variable<TFloat32>[] vars = net.variables();
        Tensor[] out = new Tensor[names.length];
        for (int i = 0; i < names.length; i++) {
          out[i] = res.get(i);
          if (!out[i].shape().equals(vars[i].shape())) {
            Shape got = out[i].shape();
            res.close();
            throw new IllegalArgumentException(
                "parent " + names[i] + " has shape " + got + ", expected " + vars[i].shape());
          }
        }
        // Result owns the tensors; hand copies over so they outlive it
        Tensor[] copies = new Tensor[out.length];
        for (int i = 0; i < out.length; i++) {
          TFloat32 src = (TFloat32) out[i];
          copies[i] = TFloat32.tensorOf(src.shape(), t -> src.copyTo(t));
        }
        res.close();
        return copies;
      } catch (org.tensorflow.exceptions.TensorFlowException e) {
        throw new IllegalArgumentException("cannot read parent weights: " + e.getMessage());
      }
    }

    private static Tensor[] freshWeights(SoftmaxNet net, long seed) {
      SplittableRandom rng = new SplittableRandom(seed);
      Variable<TFloat32>[] vars = net.variables();
      Tensor[] out = new Tensor[vars.length];
      for (int i = 0; i < vars.length; i++) {
        Shape shape = vars[i].shape();
        int n = Math.toIntExact(shape.size());
        float[] v = new float[n];
        // logreg is convex: start at zero. MLP: small uniform first layer (inputs are
        // L2-normalised,
        // so a row sum stays ~scale), Glorot-uniform second layer, zero biases.
        float scale = 0f;
        if (net.mlp && i == 0) {
          scale = 0.1f;
        } else if (net.mlp && i == 2) {
          scale = (float) Math.sqrt(6.0 / (shape.get(0) + shape.get(1)));
        }
        if (scale > 0) {
          for (int k = 0; k < n; k++) {
            v[k] = (float) ((rng.nextDouble() * 2 - 1) * scale);
          }
        }
        out[i] = TFloat32.tensorOf(shape, DataBuffers.of(v, true, false));
      }
      return out;
    }

    double step(
        Session s,
        List<SparseVector> x,
        int[] y,
        int[] order,
        int from,
        int to,
        float[] classWeight,
        int classes) {
      if (slot == null) {
        slot = new int[Math.toIntExact(width)];
        java.util.Arrays.fill(slot, -1);
      }
      int rows = to - from;
      int nnz = 0;
      for (int i = from; i < to; i++) {
        nnz += x.get(order[i]).size();
      }
      long[] idx = new long[nnz * 2];
      float[] val = new float[nnz];
      long[] uniq = new long[nnz];
      float[] onehot = new float[rows * classes];
      float[] w = new float[rows];
      int u = 0;
      int k = 0;
      try {
        for (int i = from; i < to; i++) {
          int r = i - from;
          SparseVector v = x.get(order[i]);
          int[] cols = v.indices();
          float[] vals = v.values();
          for (int j = 0; j < cols.length; j++) {
            int c = cols[j];
            if (c < 0 || c >= width) {
              throw new IllegalArgumentException(
                  "feature index " + c + " outside [0, " + width + "): featurizer spec mismatch");
            }
            int local = slot[c];
            if (local < 0) {
              local = u;
              slot[c] = u;
              uniq[u++] = c;
            }
            idx[2 * k] = r;
            idx[2 * k + 1] = local;
            val[k] = vals[j];
            k++;
          }
          int label = y[order[i]];
          onehot[r * classes + label] = 1f;
          w[r] = classWeight[label];
        }
      } finally {
        for (int i = 0; i < u; i++) {
          slot[(int) uniq[i]] = -1;
        }
      }
      try (SparseBatch b = SparseBatch.make(idx, val, nnz, rows, u);
          TInt64 uq = TInt64.tensorOf(Shape.of(u), DataBuffers.of(uniq, true, false).narrow(u));
          TFloat32 lab =
              TFloat32.tensorOf(Shape.of(rows, classes), DataBuffers.of(onehot, true, false));
          TFloat32 wt = TFloat32.tensorOf(Shape.of(rows), DataBuffers.of(w, true, false));
          Result res =
              s.runner()
                  .feed(stepIndices, b.indices)
                  .feed(stepValues, b.values)
                  .feed(stepShape, b.denseShape)
                  .feed(stepUniq, uq)
                  .feed(stepLabels, lab)
                  .feed(stepWeights, wt)
                  .addTarget(trainOp)
                  .fetch(stepLoss)
                  .run()) {
        return ((TFloat32) res.get(0)).getFloat();
      }
    }

    /** Weighted mean cross-entropy over a data set, with the current weights. */
    double loss(Session s, List<SparseVector> x, int[] y, float[] classWeight, int classes) {
      double sum = 0;
      double weightSum = 0;
      for (int from = 0; from < x.size(); from += EVAL_BATCH) {
        int to = Math.min(x.size(), from + EVAL_BATCH);
        int rows = to - from;
        float[] onehot = new float[rows * classes];
        float[] w = new float[rows];
        for (int i = from; i < to; i++) {
          onehot[(i - from) * classes + y[i]] = 1f;
          w[i - from] = classWeight[y[i]];
          weightSum += w[i - from];
        }
        try (SparseBatch b = SparseBatch.of(x, null, from, to, width);
            TFloat32 lab =
                TFloat32.tensorOf(Shape.of(rows, classes), DataBuffers.of(onehot, true, false));
            TFloat32 wt = TFloat32.tensorOf(Shape.of(rows), DataBuffers.of(w, true, false));
            Result res =
                s.runner()
                    .feed(predictIndices, b.indices)
                    .feed(predictValues, b.values)
                    .feed(predictShape, b.denseShape)
                    .feed(evalLabels, lab)
                    .feed(evalWeights, wt)
                    .fetch(evalWeightedLossSum)
                    .run()) {
          sum += ((TFloat32) res.get(0)).getFloat();
        }
      }
      return weightSum == 0 ? Double.NaN : sum / weightSum;
    }

    void snapshot(Session s) {
      Session.Runner r = s.runner();
      snapshotOps.forEach(r::addTarget);
      r.run().close();
    }

    void restoreSnapshot(Session s) {
      Session.Runner r = s.runner();
      restoreOps.forEach(r::addTarget);
      r.run().close();
    }

    /** Drops the Java-side scratch once training is over. */
    void releaseScratch() {
      // Adagrad slots and snapshots stay in the session until the model is closed (variables cannot
      // be dropped from a graph session); the export never includes them.
      slot = null;
    }
  }
}
