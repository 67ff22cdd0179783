/** Bounded reads of model-versions and model-deployments, and the Kafka clients for them. */
package dev.loopline.retrain.registry;
