/**
 * The real-time scoring app: {@link dev.loopline.inference.ScoringApp} wires config, topics, the
 * deployment watcher, the ops endpoint and Kafka Streams; {@link
 * dev.loopline.inference.ScoreCommand} is {@code loopline score}.
 */
package dev.loopline.inference;
