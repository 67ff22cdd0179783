package dev.loopline.model.train;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The classifier's variables and forward pass, declared the same way in the training graph and in
 * the exported inference graph, so both run the identical ops on the identical weights (the
 * exported model reproduces the trainer's probabilities bit for bit).
 *
 * <p>First layer: {@code SparseTensorDenseMatMul(x, W1) + b1}, x being the hashed feature vector as
 * a sparse tensor; logreg stops there, the MLP adds ReLU and a dense layer {@code W2, b2}.
 */
final class SoftmaxNet {
  static final String W1 = "W1";
  static final String B1 = "b1";
  static final String W2 = "W2";
  static final String B2 = "b2";

  final boolean mlp;
  final long width;
  final int units;
  final int classes;
  final Variable<TFloat32> w1;
  final Variable<TFloat32> b1;
  final Variable<TFloat32> w2;
  final Variable<TFloat32> b2;

  private SoftmaxNet(
      boolean mlp,
      long width,
      int units,
      int classes,
      Variable<TFloat32> w1,
      Variable<TFloat32> b1,
      Variable<TFloat32> w2,
      Variable<TFloat32> b2) {
    this.mlp = mlp;
    this.width = width;
    this.units = units;
    this.classes = classes;
    this.w1 = w1;
    this.b1 = b1;
    this.w2 = w2;
    this.b2 = b2;
  }

  /** Declares the variables with fixed names (W1, b1[, W2, b2]) in {@code tf}'s graph. */
  static SoftmaxNet declare(Ops tf, boolean mlp, long width, int hidden, int classes) {
    int units = mlp ? hidden : classes;
    Variable<TFloat32> w1 = tf.withName(W1).variable(Shape.of(width, units), TFloat32.class);
    Variable<TFloat32> b1 = tf.withName(B1).variable(Shape.of(units), TFloat32.class);
    Variable<TFloat32> w2 = null;
    Variable<TFloat32> b2 = null;
    if (mlp) {
      w2 = tf.withName(W2).variable(Shape.of(hidden, classes), TFloat32.class);
      b2 = tf.withName(B2).variable(Shape.of(classes), TFloat32.class);
    }
    return new SoftmaxNet(mlp, width, units, classes, w1, b1, w2, b2);
  }

  /** The variables in a fixed order: W1, b1[, W2, b2]. */
  @SuppressWarnings("unchecked")
  Variable<TFloat32>[] variables() {
    return mlp ? new Variable[] {w1, b1, w2, b2} : new Variable[] {w1, b1};
  }

  static String[] variableNames(boolean mlp) {
    return mlp ? new String[] {W1, B1, W2, B2} : new String[] {W1, B1};
  }

  /** First-layer pre-activation for a sparse batch against {@code firstLayer} rows. */
  Operand<TFloat32> firstLayer(
      Ops tf,
      Operand<TInt64> indices,
      Operand<TFloat32> values,
      Operand<TInt64> denseShape,
      Operand<TFloat32> firstLayer,
      Operand<TFloat32> bias1) {
    return tf.math.add(
        tf.sparse.sparseTensorDenseMatMul(indices, values, denseShape, firstLayer), bias1);
  }

  /** Logits from the first layer's pre-activation. */
  Operand<TFloat32> logits(
      Ops tf, Operand<TFloat32> z1, Operand<TFloat32> weights2, Operand<TFloat32> bias2) {
    if (!mlp) {
      return z1;
    }
    return tf.math.add(tf.linalg.matMul(tf.nn.relu(z1), weights2), bias2);
  }

  /** Full forward pass over full-width sparse input: softmax probabilities. */
  Operand<TFloat32> probabilities(
      Ops tf, Operand<TInt64> indices, Operand<TFloat32> values, Operand<TInt64> denseShape) {
    Operand<TFloat32> z1 = firstLayer(tf, indices, values, denseShape, w1, b1);
    return tf.nn.softmax(logits(tf, z1, w2, b2));
  }
}
