/**
 * Jackson mapping for model-core's records (metadata, featurizer spec, canaries, evaluation
 * reports): one configuration, so that what a trainer writes a scorer reads the same way.
 */
package dev.loopline.model.json;
