/**
 * The featurizer: event text and attributes to sparse hashed vectors, with its spec as data and a
 * fingerprint, shared by training, serving and backtest so that features can never drift apart.
 */
package dev.loopline.model.features;
