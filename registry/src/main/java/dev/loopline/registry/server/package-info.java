/**
 * A Confluent-REST-compatible schema registry server, durable on a compacted Kafka topic,
 * embeddable in-process ({@link dev.loopline.registry.server.RegistryServer}) or run as a process
 * ({@link dev.loopline.registry.server.RegistryServerMain}).
 */
package dev.loopline.registry.server;
