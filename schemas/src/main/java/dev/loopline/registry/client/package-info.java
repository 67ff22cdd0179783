/**
 * A caching client of the Confluent Schema Registry REST API, used by the serdes; it depends on
 * nothing but the public API, so any Confluent-compatible registry works.
 */
package dev.loopline.registry.client;
