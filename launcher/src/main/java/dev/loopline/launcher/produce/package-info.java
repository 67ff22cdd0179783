/**
 * The {@code loopline produce} path: strict line reading (UTF-8 checked per line), JSONL and CSV
 * readers that validate each record into an {@link dev.loopline.avro.Event} or a rejection with its
 * line number, and the producer that sends valid records with acks=all and idempotence.
 */
package dev.loopline.launcher.produce;
