package dev.loopline.model.train;

import dev.loopline.model.features.SparseVector;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/** The trained weights, held in the training session; see {@link TrainedModel}. */
final class TfTrainedModel implements TrainedModel {
  private static final int PREDICT_BATCH = 1024;

  private final Graph graph;
  private final Session session;
  private final SoftmaxNet net;
  private final Placeholder<TInt64> indices;
  private final Placeholder<TFloat32> values;
  private final Placeholder<TInt64> shape;
  private final Operand<TFloat32> probabilities;
  private final List<String> labels;
  private Map<String, String> info = Map.of();
  private boolean closed;

  TfTrainedModel(
      Graph graph,
      Session session,
      SoftmaxNet net,
      Placeholder<TInt64> indices,
      Placeholder<TFloat32> values,
      Placeholder<TInt64> shape,
      Operand<TFloat32> probabilities,
      List<String> labels) {
    this.graph = graph;
    this.session = session;
    this.net = net;
    this.indices = indices;
    this.values = values;
    this.shape = shape;
    this.probabilities = probabilities;
    this.labels = List.copyOf(labels);
  }

  void setInfo(Map<String, String> info) {
    this.info = Collections.unmodifiableMap(info);
  }

  @Override
  public float[][] predict(List<SparseVector> batch) {
    ensureOpen();
    float[][] out = new float[batch.size()][];
    int classes = labels.size();
    for (int from = 0; from < batch.size(); from += PREDICT_BATCH) {
      int to = Math.min(batch.size(), from + PREDICT_BATCH);
      try (SparseBatch b = SparseBatch.of(batch, null, from, to, net.width);
          Result res =
              session
                  .runner()
                  .feed(indices, b.indices)
                  .feed(values, b.values)
                  .feed(shape, b.denseShape)
                  .fetch(probabilities)
                  .run()) {
        float[] flat = new float[(to - from) * classes];
        ((TFloat32) res.get(0)).copyTo(DataBuffers.of(flat, false, false));
        for (int r = 0; r < to - from; r++) {
          float[] row = new float[classes];
          System.arraycopy(flat, r * classes, row, 0, classes);
          out[from + r] = row;
        }
      }
    }
    return out;
  }

  @Override
  public void exportSavedModel(Path dir) {
    ensureOpen();
    try {
      if (Files.exists(dir)) {
        try (Stream<Path> s = Files.list(dir)) {
          if (s.findAny().isPresent()) {
            throw new IllegalArgumentException("export directory is not empty: " + dir);
          }
        }
        Files.delete(dir);
      }
      Files.createDirectories(dir.toAbsolutePath().getParent());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String[] names = SoftmaxNet.variableNames(net.mlp);
    Session.Runner fetch = session.runner();
    for (Variable<TFloat32> v : net.variables()) {
      fetch.fetch(v);
    }
    try (Result weights = fetch.run();
        Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      SoftmaxNet inference =
          SoftmaxNet.declare(tf, net.mlp, net.width, net.mlp ? net.units : 0, net.classes);
      Placeholder<TInt64> in =
          tf.withName(SparseSignature.INDICES)
              .placeholder(TInt64.class, Placeholder.shape(Shape.of(-1, 2)));
      Placeholder<TFloat32> val =
          tf.withName(SparseSignature.VALUES)
              .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
      Placeholder<TInt64> ds =
          tf.withName(SparseSignature.DENSE_SHAPE)
              .placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
      Operand<TFloat32> probs =
          tf.withName(SparseSignature.OUTPUT).identity(inference.probabilities(tf, in, val, ds));
      List<Placeholder<TFloat32>> feeds = new ArrayList<>();
      List<Op> assigns = new ArrayList<>();
      Variable<TFloat32>[] vars = inference.variables();
      for (int i = 0; i < vars.length; i++) {
        Placeholder<TFloat32> p =
            tf.withName("init_" + names[i])
                .placeholder(TFloat32.class, Placeholder.shape(vars[i].shape()));
        feeds.add(p);
        assigns.add(tf.withName("assign_" + names[i]).assign(vars[i], p));
      }
      try (Session s = new Session(g)) {
        Session.Runner r = s.runner();
        for (int i = 0; i < vars.length; i++) {
          r.feed(feeds.get(i), (Tensor) weights.get(i));
          r.addTarget(assigns.get(i));
        }
        r.run().close();
        Signature sig =
            Signature.builder()
                .key(SparseSignature.KEY)
                .input(SparseSignature.INDICES, in)
                .input(SparseSignature.VALUES, val)
                .input(SparseSignature.DENSE_SHAPE, ds)
                .output(SparseSignature.OUTPUT, probs)
                .build();
        SavedModelBundle.exporter(dir.toString())
            .withTags(SparseSignature.TAG)
            .withSession(s)
            .withSignature(sig)
            .export();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("exporting SavedModel to " + dir, e);
    }
  }

  @Override
  public List<String> labels() {
    return labels;
  }

  @Override
  public Map<String, String> trainerInfo() {
    return info;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    session.close();
    graph.close();
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("model is closed");
    }
  }
}
