/**
 * Training with TensorFlow Java: a softmax classifier (logistic regression or a one-hidden-layer
 * MLP) over the featurizer's sparse hashed vectors, with sparse Adagrad updates, class weights,
 * early stopping and warm start; export to an inference-only SavedModel with the sparse {@code
 * serving_default} signature; packaging into a verified artifact.
 */
package dev.loopline.model.train;
